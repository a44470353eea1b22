package notify

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// LoopHeader is the header every mail of ours carries, naming its kind; the parser treats
// mail with it as our own coming back.
const LoopHeader = "X-Liaisond"

// Mail is one composed message, ready for the outbox.
type Mail struct {
	// Kind is what the mail is (ack, confirm, forwarder, reminder, reply).
	Kind store.OutboxKind
	// Record is the id of the record it is about; empty for a reply to an unknown token.
	Record string
	// To and Cc are plain addresses, as in the headers.
	To, Cc []string
	// Subject is the decoded subject.
	Subject string
	// MessageID and InReplyTo are without angle brackets.
	MessageID, InReplyTo string
	// Raw is the whole message, CRLF line ends.
	Raw []byte
	// Refused are the recipients the Gate removed (they are not in To, Cc or the headers).
	Refused []Refused
	// Suppressed, when set, says why the Gate stopped the whole mail: no To recipient
	// passed. The mail is then recorded but never sent.
	Suppressed string
}

// Entry returns the outbox entry for m, to pass to store.Tx.Enqueue.
// A suppressed mail becomes an entry in state suppressed with the reason; otherwise the
// reason names the recipients the gate removed, if any.
func (m Mail) Entry() store.OutboxEntry {
	e := store.OutboxEntry{
		Kind: m.Kind, Record: m.Record, To: m.To, Cc: m.Cc, Subject: m.Subject,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, Raw: m.Raw,
	}
	if len(m.Refused) > 0 {
		e.Reason = "not sent to " + refusedText(m.Refused)
	}
	if m.Suppressed != "" {
		e.State, e.Reason = store.OutboxSuppressed, m.Suppressed
	}
	return e
}

// draft is a mail before it is written.
type draft struct {
	kind       store.OutboxKind
	record     string
	to, cc     []liaisond.Contact
	replyTo    []string
	subject    string
	messageID  string
	inReplyTo  string
	references []string
	autoReply  bool // Auto-Submitted: auto-replied rather than auto-generated
	body       string
}

// write renders d with the header fields in a fixed order, so that the same draft at the
// same time always gives the same bytes.
func (c *Composer) write(d draft) (Mail, error) {
	if len(d.to) == 0 {
		return Mail{}, fmt.Errorf("compose %s mail for %s: no recipient", d.kind, d.record)
	}
	if d.messageID == "" {
		d.messageID = c.messageID()
	}
	var refused []Refused
	suppressed := ""
	if c.cfg.Gate != nil {
		var to, cc []liaisond.Contact
		to, cc, refused = c.screen(d.kind, d.to, d.cc)
		if len(to) == 0 {
			suppressed = "suppressed by the gate: " + refusedText(refused)
		} else {
			d.to, d.cc = to, cc
		}
	}
	auto := "auto-generated"
	if d.autoReply {
		auto = "auto-replied"
	}
	// go-message writes fields in the reverse order of addition, so they are added last
	// field first.
	var h mail.Header
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("MIME-Version", "1.0")
	h.Set(LoopHeader, string(d.kind))
	h.Set("X-Auto-Response-Suppress", "All")
	h.Set("Auto-Submitted", auto)
	refs := cleanIDs(d.references)
	if d.inReplyTo != "" {
		d.inReplyTo = cleanID(d.inReplyTo)
		if len(refs) == 0 || refs[len(refs)-1] != d.inReplyTo {
			refs = append(refs, d.inReplyTo)
		}
		h.SetMsgIDList("References", refs)
		h.SetMsgIDList("In-Reply-To", []string{d.inReplyTo})
	}
	h.SetMessageID(d.messageID)
	h.SetDate(c.cfg.Now())
	h.SetSubject(d.subject)
	h.SetAddressList("Reply-To", plainAddresses(d.replyTo))
	h.SetAddressList("Cc", mailAddresses(d.cc))
	h.SetAddressList("To", mailAddresses(d.to))
	h.SetAddressList("From", mailAddresses([]liaisond.Contact{c.cfg.From}))

	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return Mail{}, fmt.Errorf("compose %s mail for %s: %w", d.kind, d.record, err)
	}
	body := strings.ReplaceAll(d.body, "\r\n", "\n")
	if _, err := w.Write([]byte(body)); err != nil {
		return Mail{}, fmt.Errorf("compose %s mail for %s: body: %w", d.kind, d.record, err)
	}
	if err := w.Close(); err != nil {
		return Mail{}, fmt.Errorf("compose %s mail for %s: body: %w", d.kind, d.record, err)
	}
	return Mail{
		Kind: d.kind, Record: d.record,
		To: uniqueAddresses(contactEmails(d.to)), Cc: uniqueAddresses(contactEmails(d.cc)),
		Subject: d.subject, MessageID: d.messageID, InReplyTo: d.inReplyTo,
		Raw: buf.Bytes(), Refused: refused, Suppressed: suppressed,
	}, nil
}

// screen passes the recipients through the gate, keeping their names.
func (c *Composer) screen(kind store.OutboxKind, to, cc []liaisond.Contact) (okTo, okCc []liaisond.Contact, refused []Refused) {
	pass := func(list []liaisond.Contact) []liaisond.Contact {
		var ok []liaisond.Contact
		for _, ct := range list {
			if err := c.cfg.Gate.Check(kind, ct.Email); err != nil {
				refused = append(refused, *err.(*Refused))
				continue
			}
			ok = append(ok, ct)
		}
		return ok
	}
	return pass(to), pass(cc), refused
}

// cleanID strips white space and angle brackets from a Message-ID.
func cleanID(id string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">"))
}

func cleanIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = cleanID(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// mailAddresses turns contacts into header addresses, dropping empty and repeated ones.
func mailAddresses(cs []liaisond.Contact) []*mail.Address {
	var out []*mail.Address
	seen := map[string]bool{}
	for _, c := range cs {
		n := liaisond.NormalEmail(c.Email)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, &mail.Address{Name: c.Name, Address: strings.TrimSpace(strings.Trim(c.Email, "<> "))})
	}
	return out
}

func plainAddresses(addrs []string) []*mail.Address {
	cs := make([]liaisond.Contact, 0, len(addrs))
	for _, a := range addrs {
		cs = append(cs, liaisond.Contact{Email: a})
	}
	return mailAddresses(cs)
}

// contactsFor returns addrs as contacts, with the names rec gives them where it knows one.
func contactsFor(rec *liaisond.Record, addrs []string) []liaisond.Contact {
	names := map[string]string{}
	if rec != nil {
		all := []liaisond.Contact{}
		if rec.FromContact != nil {
			all = append(all, *rec.FromContact)
		}
		all = append(all, rec.ResponseContacts...)
		all = append(all, rec.TechnicalContacts...)
		all = append(all, rec.ToContacts...)
		all = append(all, rec.CcContacts...)
		if rec.ForwardedBy != nil {
			all = append(all, *rec.ForwardedBy)
		}
		for _, c := range all {
			if n := liaisond.NormalEmail(c.Email); c.Name != "" && names[n] == "" {
				names[n] = c.Name
			}
		}
	}
	out := make([]liaisond.Contact, 0, len(addrs))
	for _, a := range uniqueAddresses(addrs) {
		out = append(out, liaisond.Contact{Name: names[a], Email: a})
	}
	return out
}

// day formats a time as the date it falls on in UTC.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
