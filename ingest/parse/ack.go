package parse

import (
	"regexp"
	"strings"

	"github.com/emersion/go-message/mail"

	liaisond "github.com/ietf-tools/liaisond"
)

var authResultPass = regexp.MustCompile(`(?i)\bdmarc\s*=\s*pass\b`)

// ack decides whether a statement earns an acknowledgement once confirmed, and to whom: the
// sender, the response contacts and the technical contacts; never a list, an IETF-side
// address, a daemon or no-reply address, the forwarder or ourselves.
func (b *builder) ack(st *liaisond.Statement, fromBody bool) liaisond.Ack {
	if b.dt {
		return liaisond.Ack{Reason: "Datatracker notification: the Datatracker already told the sender"}
	}
	if auto := strings.ToLower(strings.TrimSpace(b.ent.header.Get("Auto-Submitted"))); auto != "" && !strings.HasPrefix(auto, "no") {
		return liaisond.Ack{To: []string{}, Reason: "sent as automatic mail (Auto-Submitted: " + auto + "): no automatic reply to it (RFC 3834)"}
	}
	excluded := map[string]string{}
	for _, l := range b.chain {
		if l.header != nil {
			if p := listPost(*l.header); p != "" {
				excluded[liaisond.NormalEmail(p)] = "a mailing list"
			}
		}
	}
	if st.ForwardedBy != nil {
		excluded[liaisond.NormalEmail(st.ForwardedBy.Email)] = "the forwarder"
	}
	var cands []liaisond.Contact
	if st.FromContact != nil {
		cands = append(cands, *st.FromContact)
	}
	cands = append(cands, st.ResponseContacts...)
	cands = append(cands, st.TechnicalContacts...)

	var to, left []string
	seen := map[string]bool{}
	for _, c := range cands {
		n := liaisond.NormalEmail(c.Email)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		why := excluded[n]
		switch {
		case why != "":
		case !strings.Contains(n, "@"):
			why = "not an address"
		case ietfSide(n):
			why = "an IETF-side address"
		case liaisond.ListHost(n):
			why = "a mailing list"
		case noReplyAddress(n):
			why = "a daemon or no-reply address"
		case isOwnAddress(n, b.opts):
			why = "our own address"
		}
		if why != "" {
			left = append(left, c.Email+" ("+why+")")
			continue
		}
		to = append(to, c.Email)
	}
	a := liaisond.Ack{Send: len(to) > 0, To: to}
	if len(to) == 0 {
		a.To = []string{}
		a.Reason = "no address to acknowledge"
	}
	if len(left) > 0 {
		a.Reason = strings.TrimSpace(a.Reason + " left out: " + strings.Join(left, ", "))
	}
	a.OnReceipt = a.Send && !fromBody && st.ForwardedBy == nil && st.FromContact != nil &&
		inDomains(st.FromContact.Email, b.opts.SDODomains) && authenticated(b.ent.header, b.opts.TrustedAuthServID)
	return a
}

// inDomains reports whether addr's domain is one of domains or below one; with no domains,
// whether it belongs to a standards body the parser knows (not the IETF).
func inDomains(addr string, domains []string) bool {
	if len(domains) == 0 {
		org := orgByDomain(addr)
		return org != "" && org != "IETF"
	}
	d := domainOf(addr)
	for _, s := range domains {
		s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "."))
		if s != "" && (d == s || strings.HasSuffix(d, "."+s)) {
			return true
		}
	}
	return false
}

// authenticated reports whether a message carries a DMARC pass from the trusted authserv-id.
func authenticated(h mail.Header, authServID string) bool {
	if authServID == "" {
		return false
	}
	for _, v := range h.Values("Authentication-Results") {
		id := strings.TrimSpace(strings.SplitN(v, ";", 2)[0])
		if strings.EqualFold(id, authServID) && authResultPass.MatchString(v) {
			return true
		}
	}
	return false
}
