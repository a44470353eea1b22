package parse

import (
	"mime"
	netmail "net/mail"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	liaisond "github.com/ietf-tools/liaisond"
)

var (
	emailRe      = regexp.MustCompile(`(?i)[a-z0-9!#$%&'*+/=?^_{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+`)
	angleAddrRe  = regexp.MustCompile(`(?i)"?([^"<>,;:()]*?)"?\s*<\s*(?:mailto:)?([^<>\s]+@[^<>\s]+)\s*>`)
	subLabelRe   = regexp.MustCompile(`(?i)^(name|e-?mail(?: address)?|email address|tel\.?(?: number)?|phone|fax|organi[sz]ation|company|country|address)\s*:\s*(.*)$`)
	columnGap    = regexp.MustCompile(`\s{2,}|\t`)
	mailLabelEnd = regexp.MustCompile(`(?i)\b(?:e-?mail(?: address)?|email address)\s*:?\s*$`)
	inlineLabels = regexp.MustCompile(`(?i)\b(?:tel|phone|fax|e-?mail(?: address)?)\s*:.*$`)
)

// contactsIn reads the people named in a contact field: "Name <a@b>", "a@b (Name)",
// "3GPP Liaisons Coordinator, mailto:x@y", an ITU-T Contact block (name in the first column,
// "E-mail:" further on), a 3GPP Contact Person block ("Name:" / "E-mail Address:").
func contactsIn(text string) []liaisond.Contact {
	text = stripMailto(text)
	var out []liaisond.Contact
	seen := map[string]bool{}
	add := func(name, addr string) {
		addr = strings.Trim(addr, ".,;:'\"()[]<>")
		key := liaisond.NormalEmail(addr)
		if key == "" || seen[key] || !strings.Contains(key, "@") {
			return
		}
		seen[key] = true
		out = append(out, liaisond.Contact{Name: cleanName(name), Email: addr})
	}
	// A block with a "Name:" sub-label names the person there.
	blockName := ""
	lines := strings.Split(text, "\n")
	for _, l := range lines {
		if m := subLabelRe.FindStringSubmatch(strings.TrimSpace(l)); m != nil && strings.EqualFold(m[1], "name") {
			blockName = strings.TrimSpace(m[2])
			break
		}
	}
	// "Name <addr>" pairs first: they say the most.
	rest := text
	for _, m := range angleAddrRe.FindAllStringSubmatch(text, -1) {
		add(m[1], m[2])
		rest = strings.Replace(rest, m[0], " ", 1)
	}
	// Then bare addresses, with the name the block gives.
	for _, line := range strings.Split(rest, "\n") {
		for _, addr := range emailRe.FindAllString(line, -1) {
			name := blockName
			if name == "" {
				name = nameBeside(lines, line, addr)
			}
			add(name, addr)
		}
	}
	return out
}

// nameBeside finds the name that goes with a bare address: "(Name)" after it, the text before
// it on a "Name, mailto:addr" line, or the first column of the block's first line.
func nameBeside(lines []string, line, addr string) string {
	i := strings.Index(line, addr)
	if i < 0 {
		return ""
	}
	after := strings.TrimSpace(line[i+len(addr):])
	if strings.HasPrefix(after, "(") {
		if j := strings.IndexByte(after, ')'); j > 1 {
			return after[1:j]
		}
	}
	before := strings.TrimSpace(line[:i])
	before = strings.TrimSpace(strings.TrimSuffix(before, "mailto:"))
	labelled := mailLabelEnd.MatchString(before)
	before = strings.TrimSpace(mailLabelEnd.ReplaceAllString(before, ""))
	before = strings.TrimRight(before, ",;:( ")
	if m := subLabelRe.FindStringSubmatch(before); m != nil {
		before = ""
	}
	if !labelled && before != "" && !strings.Contains(before, "@") && !inlineLabels.MatchString(before) && len(before) < 80 {
		// "3GPP Liaisons Coordinator, mailto:addr" names the role before the address.
		return before
	}
	// ITU-T block: the name is the first column of the block's first line.
	if len(lines) > 0 {
		first := inlineLabels.ReplaceAllString(lines[0], "")
		cols := columnGap.Split(strings.TrimSpace(first), -1)
		if len(cols) > 0 && !strings.Contains(cols[0], "@") && !strings.Contains(cols[0], ":") {
			return cols[0]
		}
	}
	return ""
}

func cleanName(n string) string {
	n = collapseSpace(strings.Trim(n, " \t\"'.,;:<>"))
	if strings.Contains(n, "@") || len(n) > 100 {
		return ""
	}
	return n
}

// headerAddresses reads an address header: the strict parser first (it decodes RFC 2047
// names after splitting, so an encoded "Surname, Given" stays one name), then a lenient
// reading of the decoded value.
func headerAddresses(h mail.Header, key string) []liaisond.Contact {
	raw := h.Get(key)
	if raw == "" {
		return nil
	}
	if list, err := h.AddressList(key); err == nil && len(list) > 0 {
		out := make([]liaisond.Contact, 0, len(list))
		for _, a := range list {
			out = append(out, liaisond.Contact{Name: cleanName(decodeWords(strings.ToValidUTF8(a.Name, "\uFFFD"))), Email: a.Address})
		}
		return out
	}
	return addressList(headerText(h, key))
}

// headerFrom returns the first From address, or nil.
func headerFrom(h mail.Header) *liaisond.Contact {
	l := headerAddresses(h, "From")
	if len(l) == 0 {
		return nil
	}
	return &l[0]
}

// addressList parses "A <a@x>, b@y" leniently.
func addressList(v string) []liaisond.Contact {
	v = strings.TrimSpace(stripMailto(v))
	if v == "" {
		return nil
	}
	if list, err := netmail.ParseAddressList(v); err == nil {
		out := make([]liaisond.Contact, 0, len(list))
		for _, a := range list {
			out = append(out, liaisond.Contact{Name: cleanName(a.Name), Email: a.Address})
		}
		return out
	}
	if out := bracketedList(v); out != nil {
		return out
	}
	return contactsIn(v)
}

// bracketedItem is one "Name <address>" of a list whose names are not quoted.
var bracketedItem = regexp.MustCompile(`^[\s,;]*([^<>;]*?)\s*<([^<>\s@]+@[^<>\s]+)>`)

// bracketedList reads a list that is only "Name <address>" items, names unquoted and
// perhaps holding commas as Outlook writes them in a forwarded header ("Wilk, Tomasz
// <t.wilk@x>; Ruiz Gómez, Ana <a@y>"); nil when v is not such a list.
func bracketedList(v string) []liaisond.Contact {
	var out []liaisond.Contact
	for strings.TrimSpace(strings.Trim(v, ",; ")) != "" {
		m := bracketedItem.FindStringSubmatch(v)
		if m == nil {
			return nil
		}
		out = append(out, liaisond.Contact{Name: cleanName(m[1]), Email: m[2]})
		v = v[len(m[0]):]
	}
	return out
}

// firstAddress returns the first address in v, or nil.
func firstAddress(v string) *liaisond.Contact {
	l := addressList(v)
	if len(l) == 0 {
		return nil
	}
	return &l[0]
}

// mergeContacts appends contacts not already present (compared by normalised address).
func mergeContacts(dst []liaisond.Contact, src ...liaisond.Contact) []liaisond.Contact {
	for _, c := range src {
		dup := false
		for _, d := range dst {
			if liaisond.NormalEmail(d.Email) == liaisond.NormalEmail(c.Email) {
				dup = true
				break
			}
		}
		if !dup && c.Email != "" {
			dst = append(dst, c)
		}
	}
	return dst
}

// mailtoArtefact is what Outlook leaves of a link when it turns HTML into text:
// "a@b<mailto:a@b>".
var mailtoArtefact = regexp.MustCompile(`(?i)([^\s<>@]+@[^\s<>]+)<mailto:[^<>\s]*>`)

// stripMailto removes those link artefacts, so "Name <a@b<mailto:a@b>>" reads as an address.
func stripMailto(s string) string {
	if !strings.Contains(s, "<mailto:") && !strings.Contains(s, "<MAILTO:") {
		return s
	}
	return mailtoArtefact.ReplaceAllString(s, "$1")
}

// decodeWords decodes RFC 2047 words left in a display name: some clients (Foxmail) quote
// them, and a quoted string is not decoded by the address parser.
func decodeWords(name string) string {
	if !strings.Contains(name, "=?") {
		return name
	}
	dec := mime.WordDecoder{CharsetReader: message.CharsetReader}
	if s, err := dec.DecodeHeader(name); err == nil {
		return s
	}
	return name
}
