package notify

import (
	"fmt"
	"strings"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// Ack composes the acknowledgement ("Receipt of <title>") of rec to rec.Ack.To, Cc
// Config.AckCc, threaded to the statement (origMessageID, and origReferences, the
// statement's own References). It is an automatic reply in RFC 3834's sense: short, no
// copy of the statement, Auto-Submitted: auto-replied. Replies go to the coordination
// address when one is configured. Whether it may be sent at all is for the caller and the
// Gate to decide.
func (c *Composer) Ack(rec liaisond.Record, origMessageID string, origReferences []string) (Mail, error) {
	if len(rec.Ack.To) == 0 {
		return Mail{}, fmt.Errorf("compose acknowledgement of %s: no recipient", rec.ID)
	}
	title := titleOf(&rec)
	var b strings.Builder
	b.WriteString("Dear colleagues,\n\n")
	fmt.Fprintf(&b, "The IETF has received your liaison statement %q", title)
	if len(rec.FromGroups) > 0 {
		fmt.Fprintf(&b, " from %s", strings.Join(rec.FromGroups, ", "))
	}
	fmt.Fprintf(&b, ".\nIt is recorded as %s", rec.ID)
	if u := c.recordURL(rec.ID); u != "" {
		fmt.Fprintf(&b, " and can be seen at\n%s", u)
	}
	b.WriteString(".\n\n")
	to := "the IETF groups it is addressed to"
	if len(rec.ToGroups) > 0 {
		to = strings.Join(rec.ToGroups, ", ")
	}
	switch rec.Purpose {
	case liaisond.PurposeAction, liaisond.PurposeComment:
		what := "action"
		if rec.Purpose == liaisond.PurposeComment {
			what = "comments"
		}
		fmt.Fprintf(&b, "The statement asks the IETF for %s", what)
		if rec.Deadline != "" {
			fmt.Fprintf(&b, " by %s", rec.Deadline)
		}
		fmt.Fprintf(&b, ". It will be discussed with\n%s. The IETF has no position on it until it replies\nby liaison statement.\n", to)
	default:
		fmt.Fprintf(&b, "The statement has been shared with %s for their\ninformation. Thank you for keeping the IETF informed.\n", to)
	}
	b.WriteString("\nThis acknowledgement was sent automatically")
	if len(c.cfg.AckCc) > 0 {
		b.WriteString("; replies reach the IETF liaison\ncoordinators")
	}
	b.WriteString(".\n")
	b.WriteString(signature(c.cfg.From))
	return c.write(draft{
		kind: store.KindAck, record: rec.ID,
		to:         contactsFor(&rec, rec.Ack.To),
		cc:         contactsFor(nil, c.cfg.AckCc),
		replyTo:    c.cfg.AckCc,
		subject:    "Receipt of " + title,
		inReplyTo:  origMessageID,
		references: origReferences,
		autoReply:  true,
		body:       b.String(),
	})
}

// signature ends every mail with the service's name.
func signature(from liaisond.Contact) string {
	name := from.Name
	if name == "" {
		name = from.Email
	}
	return "\n-- \n" + name + "\n"
}
