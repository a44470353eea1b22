package liaisond

import "strings"

// Contact is a person or role with a mail address, as named in a statement.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// String returns the contact as an RFC 5322 mailbox ("Name <email>"), or the bare address
// when there is no name.
func (c Contact) String() string {
	if c.Name == "" {
		return c.Email
	}
	if strings.ContainsAny(c.Name, "\",.;:<>@()[]\\") {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(c.Name) + `" <` + c.Email + ">"
	}
	return c.Name + " <" + c.Email + ">"
}

// NormalEmail returns the address trimmed, without surrounding angle brackets, lower-cased:
// the form in which two addresses are compared.
func NormalEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	addr = strings.TrimPrefix(addr, "<")
	addr = strings.TrimSuffix(addr, ">")
	return strings.ToLower(strings.TrimSpace(addr))
}

// listDomains are hosts whose every address is a mailing list.
var listDomains = []string{"googlegroups.com", "groups.io", "lists.ietf.org"}

// ListHost reports whether addr is at a mailing-list host ("lists.o-ran.org",
// "googlegroups.com"): a list, never acknowledged, whatever its local part.
func ListHost(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[at+1:]), ">"))
	if strings.HasPrefix(domain, "lists.") || strings.HasPrefix(domain, "list.") {
		return true
	}
	for _, d := range listDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}
