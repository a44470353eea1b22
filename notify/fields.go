package notify

import (
	"fmt"
	"strings"

	"github.com/ietf-tools/liaisond"
)

// maxBodyInMail bounds how much of a statement's body a mail repeats.
const maxBodyInMail = 16 << 10

// fieldBlock renders rec as the Datatracker's liaison mail does: its labels in its order
// (Title, Submission Date, URL, From, To, Cc, Response Contacts, Technical Contacts,
// Purpose, Deadline, Referenced liaison, Body, Attachments). The lines that carry
// editable fields read back through the parser as the same values.
func (c *Composer) fieldBlock(rec *liaisond.Record) string {
	var b strings.Builder
	line := func(label, value string) {
		b.WriteString(label)
		b.WriteString(":")
		if value != "" {
			b.WriteString(" ")
			b.WriteString(value)
		}
		b.WriteString("\n")
	}
	line("Title", collapse(rec.Title))
	line("Submission Date", submitted(rec))
	if u := c.recordURL(rec.ID); u != "" {
		line("URL of the IETF Web page", u)
	}
	var from []liaisond.Contact
	if rec.FromContact != nil {
		from = []liaisond.Contact{*rec.FromContact}
	}
	line("From", groupsAndContacts(rec.FromGroups, from))
	line("To", groupsAndContacts(rec.ToGroups, rec.ToContacts))
	line("Cc", contactList(rec.CcContacts))
	line("Response Contacts", contactList(rec.ResponseContacts))
	line("Technical Contacts", contactList(rec.TechnicalContacts))
	line("Purpose", rec.Purpose.Label())
	line("Deadline", rec.Deadline)
	for _, r := range rec.Related {
		line("Referenced liaison", r)
	}
	body := strings.TrimSpace(rec.Body)
	if len(body) > maxBodyInMail {
		cut := maxBodyInMail
		for cut > 0 && !isRuneStart(body[cut]) {
			cut--
		}
		body = body[:cut] + fmt.Sprintf("\n[... %d more bytes, see the record]", len(body)-cut)
	}
	b.WriteString("Body:")
	if body != "" {
		b.WriteString(" ")
		b.WriteString(body)
	}
	b.WriteString("\nAttachments:\n")
	if len(rec.Attachments) == 0 {
		b.WriteString("\n    No document has been attached\n")
	}
	for _, a := range rec.Attachments {
		fmt.Fprintf(&b, "\n    %s\n    %s, %s, sha256 %s\n", a.Filename, a.ContentType, size(a.Size), shortHash(a.SHA256))
	}
	return b.String()
}

// submitted is the day the record's first message arrived.
func submitted(rec *liaisond.Record) string {
	if len(rec.Sources) > 0 {
		return day(rec.Sources[0].Received)
	}
	for _, e := range rec.Events {
		if e.Kind == liaisond.EventSubmitted || e.Kind == liaisond.EventMsgIn {
			return day(e.Time)
		}
	}
	return ""
}

// groupsAndContacts renders "Group A, Group B (Name <addr>, addr2)" as the Datatracker's
// From and To lines do.
func groupsAndContacts(groups []string, cs []liaisond.Contact) string {
	g := strings.Join(groups, ", ")
	l := contactList(cs)
	switch {
	case l == "":
		return g
	case g == "":
		return "(" + l + ")"
	}
	return g + " (" + l + ")"
}

// contactList renders contacts as a comma-separated list of mailboxes.
func contactList(cs []liaisond.Contact) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.Email != "" {
			parts = append(parts, c.String())
		}
	}
	return strings.Join(parts, ", ")
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func size(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}
