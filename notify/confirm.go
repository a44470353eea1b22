package notify

import (
	"fmt"
	"strings"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// Confirm composes the confirmation request for rec to the coordinators: the record in
// the Datatracker's layout, its problems, and how to answer. Its Reply-To and its
// Message-ID carry a reply token for rec, valid for Config.TokenTTL.
func (c *Composer) Confirm(rec liaisond.Record) (Mail, error) {
	expires := c.cfg.Now().Add(c.cfg.TokenTTL)
	token, err := NewToken(c.cfg.TokenSecret, rec.ID, ActionConfirm, expires)
	if err != nil {
		return Mail{}, fmt.Errorf("compose confirmation request for %s: %w", rec.ID, err)
	}
	replyTo, err := ReplyAddress(c.cfg.ReplyAddress, token)
	if err != nil {
		return Mail{}, fmt.Errorf("compose confirmation request for %s: %w", rec.ID, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "A liaison statement was received and recorded as %s.\n", rec.ID)
	b.WriteString("It waits for your confirmation: nothing is acknowledged to its sender\nuntil a coordinator confirms it.\n\n")
	b.WriteString(c.fieldBlock(&rec))
	b.WriteString("\n")
	if len(rec.Problems) == 0 {
		b.WriteString("Nothing looked wrong when it was read.\n")
	} else {
		b.WriteString("Please check, it was read with these problems:\n")
		for _, p := range rec.Problems {
			b.WriteString("  - " + p + "\n")
		}
	}
	b.WriteString("\n")
	if c.cfg.AckOnReceipt && rec.Ack.OnReceipt {
		b.WriteString("The sender was acknowledged on receipt; confirming sends no second acknowledgement.\n")
	} else {
		b.WriteString(ackPlan(&rec))
	}
	b.WriteString("\n")
	b.WriteString(answerHelp)
	fmt.Fprintf(&b, "This request can be answered until %s.\n", day(expires))
	b.WriteString(provenance(&rec))
	return c.write(draft{
		kind: store.KindConfirm, record: rec.ID,
		to:        contactsFor(nil, c.cfg.Coordinators),
		replyTo:   []string{replyTo},
		subject:   fmt.Sprintf("[%s] Please confirm: %s", rec.ID, titleOf(&rec)),
		messageID: tokenMessageID(token, c.cfg.Hostname),
		body:      b.String(),
	})
}

// answerHelp says how to answer a confirmation request. No line of it starts with a
// command word or reads as a field line, so that an unquoted copy in a reply does nothing.
const answerHelp = `How to answer: reply to this message, writing above the quoted text:
  - the word confirm posts the record and sends the acknowledgement above;
  - the word reject and a reason mark it as not a statement to keep (nobody
    outside is told);
  - "Field: value" lines, one per line with the labels above, correct fields
    ("Purpose: For action", "Deadline: 2027-01-15", "To: IETF OPSAWG WG",
    "Response Contacts: Name <address>"; "none" empties a field). Put the
    word confirm on the first line to correct and confirm at once.
`

// ackPlan tells the coordinators what confirming will send to the statement's sender.
func ackPlan(rec *liaisond.Record) string {
	if !rec.Ack.Send || len(rec.Ack.To) == 0 {
		reason := rec.Ack.Reason
		if reason == "" {
			reason = "no address to acknowledge"
		}
		return "No acknowledgement will be sent: " + reason + ".\n"
	}
	s := "Confirming sends the acknowledgement \"Receipt of ...\" to " + strings.Join(rec.Ack.To, ", ") + ".\n"
	return s
}

// provenance says where the record came from.
func provenance(rec *liaisond.Record) string {
	if len(rec.Sources) == 0 {
		return ""
	}
	s := rec.Sources[0]
	out := "\nReceived via " + s.Source
	if s.EnvelopeFrom != "" {
		out += " from " + s.EnvelopeFrom
	}
	if s.MessageID != "" {
		out += " (Message-ID <" + cleanID(s.MessageID) + ">)"
	}
	if rec.ForwardedBy != nil {
		out += ", forwarded by " + rec.ForwardedBy.String()
	}
	if n := len(rec.Sources) - 1; n > 0 {
		out += fmt.Sprintf(", and %d more time(s)", n)
	}
	return out + ".\n"
}

// titleOf is the record's title on one line, or a stand-in.
func titleOf(rec *liaisond.Record) string {
	if t := collapse(rec.Title); t != "" {
		return t
	}
	return "(no title)"
}
