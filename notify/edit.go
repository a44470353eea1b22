package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
)

// FieldEdit is one correction from a coordinator's reply, read and checked: Apply sets it
// on a statement.
type FieldEdit struct {
	// Field is the parser's key: title, from, to, cc, response, technical, purpose, deadline.
	Field string
	// Value is the value as written.
	Value string

	clear    bool
	text     string // title, deadline (YYYY-MM-DD)
	purpose  liaisond.Purpose
	groups   []string
	contacts []liaisond.Contact
	// setGroups / setContacts say which parts of a from/to line were given.
	setGroups, setContacts bool
}

// readEdit checks one edit. An empty value is no edit at all (nil, nil): a field line
// copied unchanged from our mail must not empty a field.
func readEdit(e parse.Edit) (*FieldEdit, error) {
	v := strings.TrimSpace(e.Value)
	if v == "" {
		return nil, nil
	}
	fe := &FieldEdit{Field: e.Field, Value: v, clear: isNone(v)}
	var err error
	switch e.Field {
	case "title":
		if fe.clear {
			return nil, errors.New("Title: a title cannot be removed")
		}
		fe.text = collapse(v)
	case "purpose":
		if !fe.clear {
			fe.purpose, err = ParsePurpose(v)
		}
	case "deadline":
		if !fe.clear {
			fe.text, err = ParseDeadline(v)
		}
	case "from", "to":
		if fe.clear {
			fe.setGroups, fe.setContacts = true, true
			break
		}
		fe.groups, fe.contacts, fe.setGroups, fe.setContacts, err = groupsAndContactsOf(v)
		if err == nil && e.Field == "from" && len(fe.contacts) > 1 {
			err = errors.New("name one sender contact")
		}
	case "cc", "response", "technical":
		fe.setContacts = true
		if !fe.clear {
			fe.contacts, err = ParseContacts(v)
		}
	default:
		return nil, fmt.Errorf("%s: not a field that can be corrected by mail", e.Field)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %q: %w", fieldLabel(e.Field), v, err)
	}
	return fe, nil
}

// Apply sets the edit on s.
func (fe FieldEdit) Apply(s *liaisond.Statement) {
	switch fe.Field {
	case "title":
		s.Title = fe.text
	case "purpose":
		s.Purpose = fe.purpose
	case "deadline":
		s.Deadline = fe.text
	case "from":
		if fe.setGroups {
			s.FromGroups = fe.groups
		}
		if fe.setContacts {
			s.FromContact = nil
			if len(fe.contacts) == 1 {
				c := fe.contacts[0]
				s.FromContact = &c
			}
		}
	case "to":
		if fe.setGroups {
			s.ToGroups = fe.groups
		}
		if fe.setContacts {
			s.ToContacts = fe.contacts
		}
	case "cc":
		s.CcContacts = fe.contacts
	case "response":
		s.ResponseContacts = fe.contacts
	case "technical":
		s.TechnicalContacts = fe.contacts
	}
}

// fieldLabel is the label of a field as our mails show it.
func fieldLabel(key string) string {
	switch key {
	case "response":
		return "Response Contacts"
	case "technical":
		return "Technical Contacts"
	case "cc":
		return "Cc"
	}
	if key == "" {
		return key
	}
	return strings.ToUpper(key[:1]) + key[1:]
}

// isNone reports whether a value asks for the field to be emptied.
func isNone(v string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(v), "()[]")) {
	case "none", "-", "--", "n/a", "na", "nil", "no", "empty":
		return true
	}
	return false
}

// ParsePurpose reads a purpose as written ("For action", "Action", "For information",
// "info", "In response", "comment") into the Datatracker's slug.
func ParsePurpose(v string) (liaisond.Purpose, error) {
	w := strings.ToLower(collapse(strings.Trim(v, " .:")))
	w = strings.TrimPrefix(w, "for ")
	w = strings.TrimPrefix(w, "in ")
	switch w {
	case "action", "actions":
		return liaisond.PurposeAction, nil
	case "comment", "comments":
		return liaisond.PurposeComment, nil
	case "information", "info":
		return liaisond.PurposeInfo, nil
	case "response", "reply", "reply ls":
		return liaisond.PurposeResponse, nil
	}
	return "", errors.New("not a purpose (For action, For comment, For information, In response)")
}

// groupsAndContactsOf reads a From or To line: "Group A, Group B (Name <addr>, addr2)".
// A value without parentheses is groups only, or contacts only when it holds an address.
func groupsAndContactsOf(v string) (groups []string, cs []liaisond.Contact, setG, setC bool, err error) {
	text, inner := v, ""
	if strings.HasSuffix(v, ")") {
		if i := matchingOpen(v); i >= 0 && strings.Contains(v[i:], "@") {
			text, inner = strings.TrimSpace(v[:i]), v[i+1:len(v)-1]
		}
	}
	if inner == "" && strings.Contains(text, "@") {
		text, inner = "", text
	}
	if inner != "" {
		if cs, err = ParseContacts(inner); err != nil {
			return nil, nil, false, false, err
		}
		setC = true
	}
	for _, g := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' }) {
		if g = collapse(g); g != "" {
			groups = append(groups, g)
		}
	}
	return groups, cs, len(groups) > 0, setC, nil
}

// matchingOpen finds the '(' that the final ')' of v closes, or -1.
func matchingOpen(v string) int {
	depth := 0
	for i := len(v) - 1; i >= 0; i-- {
		switch v[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// ParseContacts reads a list of mailboxes separated by commas or semicolons:
// "Jane Doe <jane@example.org>, bob@example.org". Every item must hold one address.
func ParseContacts(v string) ([]liaisond.Contact, error) {
	v = strings.ReplaceAll(v, ";", ",")
	if list, err := mail.ParseAddressList(v); err == nil {
		out := make([]liaisond.Contact, 0, len(list))
		for _, a := range list {
			out = append(out, liaisond.Contact{Name: a.Name, Email: a.Address})
		}
		return out, nil
	}
	var out []liaisond.Contact
	for _, item := range splitOutsideQuotes(v) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		a, err := mail.ParseAddress(item)
		if err != nil {
			if strings.Count(item, "@") == 1 && !strings.ContainsAny(item, " <>\"") {
				out = append(out, liaisond.Contact{Email: item})
				continue
			}
			return nil, fmt.Errorf("%q is not Name <address>", item)
		}
		out = append(out, liaisond.Contact{Name: a.Name, Email: a.Address})
	}
	if len(out) == 0 {
		return nil, errors.New("no address")
	}
	return out, nil
}

// splitOutsideQuotes splits at commas that are outside double quotes and angle brackets.
func splitOutsideQuotes(v string) []string {
	var out []string
	quoted, angle, start := false, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case c == ',' && !quoted && !angle:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}
