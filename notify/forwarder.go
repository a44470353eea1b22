package notify

import (
	"fmt"
	"strings"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// ForwarderNote composes the note to forwarder, who forwarded rec to the intake: it is
// recorded as LS-..., and what happens next. It answers the forwarder's own message when
// rec knows it.
func (c *Composer) ForwarderNote(rec liaisond.Record, forwarder liaisond.Contact) (Mail, error) {
	if forwarder.Email == "" {
		return Mail{}, fmt.Errorf("compose forwarder note for %s: no forwarder address", rec.ID)
	}
	title := titleOf(&rec)
	var b strings.Builder
	fmt.Fprintf(&b, "Thank you for forwarding the liaison statement %q", title)
	if len(rec.FromGroups) > 0 {
		fmt.Fprintf(&b, "\nfrom %s", strings.Join(rec.FromGroups, ", "))
	}
	fmt.Fprintf(&b, ". It is recorded as %s", rec.ID)
	if u := c.recordURL(rec.ID); u != "" {
		fmt.Fprintf(&b, ":\n%s", u)
	}
	b.WriteString(".\n\n")
	switch {
	case rec.State == liaisond.StatePosted && rec.Ack.Send:
		b.WriteString("The liaison coordinators confirmed it, and its sender is acknowledged.\n")
	case rec.State == liaisond.StatePosted:
		b.WriteString("The liaison coordinators confirmed it.\n")
	default:
		b.WriteString("The liaison coordinators will check and confirm it.\n")
	}
	if rec.Deadline != "" && rec.Purpose.NeedsDeadline() {
		fmt.Fprintf(&b, "It asks for a reply by %s.\n", rec.Deadline)
	}
	b.WriteString("There is no need to forward it again.\n")
	b.WriteString(signature(c.cfg.From))
	inReplyTo := ""
	for _, s := range rec.Sources {
		if s.ForwardedBy != nil && liaisond.NormalEmail(s.ForwardedBy.Email) == liaisond.NormalEmail(forwarder.Email) {
			inReplyTo = s.MessageID
			break
		}
	}
	return c.write(draft{
		kind: store.KindForwarder, record: rec.ID,
		to:        []liaisond.Contact{forwarder},
		subject:   fmt.Sprintf("[%s] Recorded: %s", rec.ID, title),
		inReplyTo: inReplyTo,
		body:      b.String(),
	})
}

// Forwarders lists who forwarded rec to the intake, each once: the statement's forwarder
// and those of its later arrivals.
func Forwarders(rec liaisond.Record) []liaisond.Contact {
	var out []liaisond.Contact
	seen := map[string]bool{}
	add := func(c *liaisond.Contact) {
		if c == nil {
			return
		}
		n := liaisond.NormalEmail(c.Email)
		if n == "" || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, *c)
	}
	add(rec.ForwardedBy)
	for _, s := range rec.Sources {
		add(s.ForwardedBy)
	}
	return out
}
