package notify

import (
	"fmt"

	"github.com/ietf-tools/liaisond"
)

// Thread identifies a message a mail answers: its Message-ID and its References.
type Thread struct {
	// MessageID is the message's Message-ID, with or without angle brackets.
	MessageID string
	// References are the message's own References.
	References []string
}

// DecisionMails composes the mails a Decision asks for: the acknowledgement (threaded to
// statement), the forwarder notes and the note to the replier (threaded to reply). rec is
// the record after the decision was carried out, or nil when d names no known record. The
// caller passes each through the Gate and enqueues it in the same transaction.
func (c *Composer) DecisionMails(d Decision, rec *liaisond.Record, statement Thread, reply string) ([]Mail, error) {
	var out []Mail
	if rec != nil && d.Accepted {
		if d.Ack {
			m, err := c.Ack(*rec, statement.MessageID, statement.References)
			if err != nil {
				return nil, fmt.Errorf("mails for reply command on %s: %w", rec.ID, err)
			}
			out = append(out, m)
		}
		for _, f := range d.Forwarders {
			m, err := c.ForwarderNote(*rec, f)
			if err != nil {
				return nil, fmt.Errorf("mails for reply command on %s: %w", rec.ID, err)
			}
			out = append(out, m)
		}
	}
	if d.ReplyTo != "" && d.Note != "" {
		about := rec
		if d.Private {
			about = nil
		}
		m, err := c.CommandReply(about, d.ReplyTo, d.Note, reply)
		if err != nil {
			return nil, fmt.Errorf("mails for reply command on %q: %w", d.Record, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// StatementThread returns the Thread of the message that first delivered rec, without
// References (the store does not keep them; pass the raw message's if at hand).
func StatementThread(rec liaisond.Record) Thread {
	if len(rec.Sources) == 0 {
		return Thread{}
	}
	return Thread{MessageID: rec.Sources[0].MessageID}
}
