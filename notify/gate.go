package notify

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// DefaultIETFDomains are the IETF-side domains acknowledgements never go to (subdomains
// included).
var DefaultIETFDomains = []string{"ietf.org", "iab.org", "irtf.org"}

// GateConfig is the gate's knowledge of who must not get automatic mail.
type GateConfig struct {
	// Own are our own addresses (the From, the reply address, the intake recipients);
	// their sub-addresses (local+anything@domain) count as ours too.
	Own []string
	// Trusted are the configured recipients (coordinators, the ack Cc): they pass the
	// list, IETF-side and per-recipient rules, but not the null, daemon and own ones.
	Trusted []string
	// Lists are list addresses known from List-Post and List-Id headers.
	Lists []string
	// IETFDomains are the IETF side's domains (default DefaultIETFDomains).
	IETFDomains []string
}

// Gate is the one RFC 3834 check every automatic mail passes, per recipient: never to a
// null address, a daemon or no-reply address, our own address, a mailing list, and for
// acknowledgements never to the IETF side. It holds no state; see RateLimiter for the
// caps. Addresses are compared case-insensitively.
type Gate struct {
	own, trusted, lists map[string]bool
	ietf                []string
}

// NewGate returns the gate for cfg.
func NewGate(cfg GateConfig) *Gate {
	g := &Gate{own: set(cfg.Own, true), trusted: set(cfg.Trusted, false), lists: set(cfg.Lists, false), ietf: cfg.IETFDomains}
	if g.ietf == nil {
		g.ietf = DefaultIETFDomains
	}
	return g
}

func set(addrs []string, base bool) map[string]bool {
	m := map[string]bool{}
	for _, a := range addrs {
		if base {
			a = baseAddress(a)
		}
		if a = liaisond.NormalEmail(a); a != "" {
			m[a] = true
		}
	}
	return m
}

// baseAddress drops the sub-address of addr: ls-intake+c-x@example.org → ls-intake@example.org.
func baseAddress(addr string) string {
	local, domain, ok := splitAddress(addr)
	if !ok {
		return liaisond.NormalEmail(addr)
	}
	return baseLocal(local) + "@" + domain
}

// Refused is a recipient the gate or a cap stopped, and why.
type Refused struct {
	// Address is the recipient, lower-cased.
	Address string
	// Reason says which rule stopped it.
	Reason string
}

// Error says who was refused and why.
func (r *Refused) Error() string { return r.Address + ": " + r.Reason }

var (
	daemonLocalRe = regexp.MustCompile(`^(?:mailer-daemon|mail-daemon|postmaster|mailer|maildelivery|nobody|bounces?|bounce[-.].*|.*-bounces?|.*-request|owner-.*|.*-owner|no[-_.]?reply(?:[-_.].*)?|do[-_.]?not[-_.]?reply(?:[-_.].*)?|auto-?reply|notifications?)$`)
	// roleLocalRe are IETF-side role aliases that reach people, not lists.
	roleLocalRe = regexp.MustCompile(`^(?:.+-(?:chairs?|ads?|secretary|secretariat|director|manager|managers|coordination|liaison|liaisons)|iesg|iab|iab-chair|ietf-chair|irtf-chair|iesg-secretary|exec-director|iad|chair|secretariat|statements)$`)
)

// Check says whether automatic mail of kind may go to addr: nil, or a *Refused with
// the reason.
func (g *Gate) Check(kind store.OutboxKind, addr string) error {
	n := liaisond.NormalEmail(addr)
	local, domain, ok := splitAddress(n)
	refuse := func(why string) error { return &Refused{Address: n, Reason: why} }
	switch {
	case !ok || strings.ContainsAny(n, " \t\r\n<>,;\"()"):
		return refuse("null, empty or malformed address")
	case g.own[baseLocal(local)+"@"+domain]:
		return refuse("our own address")
	case daemonLocalRe.MatchString(baseLocal(local)):
		return refuse("daemon, list robot or no-reply address")
	case g.trusted[n]:
		return nil
	case g.lists[n]:
		return refuse("mailing list address")
	case liaisond.ListHost(addr):
		return refuse("mailing list address (list host)")
	case g.ietfSide(domain) && !roleLocalRe.MatchString(baseLocal(local)):
		return refuse("IETF-side mailing list address")
	case kind == store.KindAck && g.ietfSide(domain):
		return refuse("IETF-side address: acknowledgements go to the sending organisation only")
	}
	return nil
}

// Trusted reports whether addr is a configured recipient, exempt from the per-recipient cap.
func (g *Gate) Trusted(addr string) bool { return g.trusted[liaisond.NormalEmail(addr)] }

// Screen checks each recipient of a mail of kind and returns those that pass and those
// refused.
func (g *Gate) Screen(kind store.OutboxKind, to, cc []string) (okTo, okCc []string, refused []Refused) {
	pass := func(list []string) []string {
		var ok []string
		for _, a := range uniqueAddresses(list) {
			if err := g.Check(kind, a); err != nil {
				refused = append(refused, *err.(*Refused))
				continue
			}
			ok = append(ok, a)
		}
		return ok
	}
	okTo = pass(to)
	okCc = pass(cc)
	return okTo, okCc, refused
}

func (g *Gate) ietfSide(domain string) bool {
	for _, d := range g.ietf {
		d = strings.ToLower(d)
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// refusedText lists refusals for an outbox reason.
func refusedText(rs []Refused) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s (%s)", r.Address, r.Reason))
	}
	return strings.Join(parts, ", ")
}
