package notify

import (
	"fmt"
	"strings"

	"github.com/ietf-tools/liaisond"
)

// splitAddress splits a plain address at its last '@' into local part and domain, both
// lower-cased. ok is false when either is empty.
func splitAddress(addr string) (local, domain string, ok bool) {
	addr = liaisond.NormalEmail(addr)
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}

// baseLocal drops a sub-address ("+detail") from a local part.
func baseLocal(local string) string {
	if i := strings.IndexByte(local, '+'); i >= 0 {
		return local[:i]
	}
	return local
}

// ReplyAddress returns the address replies to a mail carrying token go to:
// local+c-TOKEN@domain, built from the configured reply address local@domain.
func ReplyAddress(base, token string) (string, error) {
	base = strings.TrimSpace(strings.Trim(strings.TrimSpace(base), "<>"))
	i := strings.LastIndexByte(base, '@')
	if i <= 0 || i == len(base)-1 {
		return "", fmt.Errorf("reply address %q: not local@domain", base)
	}
	addr := base[:i] + "+c-" + token + base[i:]
	if i+len("+c-")+len(token) > 64 {
		return addr, fmt.Errorf("reply address %q: local part over 64 characters", addr)
	}
	return addr, nil
}

// tokenMessageID is the Message-ID (without angle brackets) of a mail carrying token, so
// that a reply to From still finds the token in In-Reply-To or References.
func tokenMessageID(token, hostname string) string {
	return "c-" + token + "@" + hostname
}

// uniqueAddresses returns the plain, lower-cased addresses of lists, each once, in order,
// without empty ones.
func uniqueAddresses(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, a := range l {
			n := liaisond.NormalEmail(a)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// contactEmails returns the addresses of contacts.
func contactEmails(cs []liaisond.Contact) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Email)
	}
	return out
}

// containsAddress reports whether addr is in list, compared as NormalEmail does.
func containsAddress(list []string, addr string) bool {
	addr = liaisond.NormalEmail(addr)
	for _, a := range list {
		if liaisond.NormalEmail(a) == addr {
			return true
		}
	}
	return false
}
