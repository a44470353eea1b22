package notify

import (
	"fmt"
	"strings"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// CommandReply composes the answer to a coordinator's reply: text says what the reply did
// or why it was refused. rec may be nil when the reply could not be tied to a record (or
// its sender must not learn about it); the subject then names no record. inReplyTo is the
// Message-ID of the reply being answered.
func (c *Composer) CommandReply(rec *liaisond.Record, to, text, inReplyTo string) (Mail, error) {
	if _, _, ok := splitAddress(to); !ok {
		return Mail{}, fmt.Errorf("compose command reply: recipient %q is not an address", to)
	}
	subject := "Your reply to the liaison intake"
	id := ""
	if rec != nil {
		id = rec.ID
		subject = fmt.Sprintf("Re: [%s] Please confirm: %s", rec.ID, titleOf(rec))
	}
	body := strings.TrimRight(text, "\n") + "\n" + signature(c.cfg.From)
	return c.write(draft{
		kind: store.KindReply, record: id,
		to:        []liaisond.Contact{{Email: to}},
		subject:   subject,
		inReplyTo: inReplyTo,
		body:      body,
	})
}
