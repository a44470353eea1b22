package parse

import (
	"regexp"
	"strings"

	"github.com/emersion/go-message/mail"

	liaisond "github.com/ietf-tools/liaisond"
)

// Reply is a coordinator's answer to one of our confirmation requests. Parse only recognises
// it; the token is checked and the command carried out by whoever owns the record.
type Reply struct {
	// Token is the signed token from our reply address (+c-TOKEN) or our Message-ID (c-TOKEN@).
	Token string
	// Action is "confirm", "reject", "edit" (field lines only) or "unknown".
	Action string
	// Reason is the text after "reject".
	Reason string
	// Edits are "Field: value" lines, with the field's canonical key (title, from, to, cc,
	// response, technical, purpose, deadline).
	Edits []Edit
	// From is who sent the reply.
	From liaisond.Contact
	// Authenticated is true when the reply carries a DMARC pass from the trusted
	// authserv-id (Options.TrustedAuthServID).
	Authenticated bool
}

// Edit is one corrected field.
type Edit struct {
	Field string
	Value string
}

var (
	tokenAddrRe  = regexp.MustCompile(`(?i)\+c-([a-z2-7]{16,200})@`)
	tokenMsgIDRe = regexp.MustCompile(`(?i)(?:^|[<\s,])c-([a-z2-7]{16,200})@`)
	confirmWord  = regexp.MustCompile(`(?i)^\s*(confirm(?:ed)?|approve[d]?|ok(?:ay)?|yes|post)\b[.!]?`)
	rejectWord   = regexp.MustCompile(`(?i)^\s*(reject(?:ed)?|kill|decline[d]?|dead|not a statement)\b[:.,]?\s*(.*)$`)
	signatureSep = regexp.MustCompile(`^--\s*$`)
)

// readReply recognises a reply to a confirmation request: our token in a recipient address or
// in In-Reply-To/References. Auto-replies never get here.
func readReply(h mail.Header, ent *entity, opts Options) *Reply {
	token := ""
	for _, k := range []string{"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"} {
		for _, v := range h.Values(k) {
			if m := tokenAddrRe.FindStringSubmatch(v); m != nil {
				token = strings.ToLower(m[1])
				break
			}
		}
		if token != "" {
			break
		}
	}
	if token == "" {
		for _, k := range []string{"In-Reply-To", "References"} {
			if m := tokenMsgIDRe.FindStringSubmatch(h.Get(k)); m != nil {
				token = strings.ToLower(m[1])
				break
			}
		}
	}
	if token == "" {
		return nil
	}
	r := &Reply{Token: token, Action: "unknown"}
	if from := headerFrom(h); from != nil {
		r.From = *from
	}
	r.read(newestText(ent.text))
	r.Authenticated = authenticated(h, opts.TrustedAuthServID)
	return r
}

// newestText is what the replier wrote: above the quote, the signature and any forwarded block.
func newestText(text string) string {
	if b, ok := findForward(text); ok {
		text = b.before
	}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if signatureSep.MatchString(l) {
			break
		}
		out = append(out, l)
	}
	return stripQuoted(strings.Join(out, "\n"))
}

func (r *Reply) read(text string) {
	verbSeen := false
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if !verbSeen {
			if confirmWord.MatchString(t) && !strings.Contains(t, ":") {
				r.Action, verbSeen = "confirm", true
				continue
			}
			if m := rejectWord.FindStringSubmatch(t); m != nil {
				r.Action, verbSeen = "reject", true
				r.Reason = strings.TrimSpace(m[2])
				continue
			}
		}
		if m := labelLine.FindStringSubmatch(line); m != nil {
			key := statementLabels[canonicalLabel(m[2])]
			switch key {
			case "title", "from", "to", "cc", "response", "technical", "purpose", "deadline":
				r.Edits = append(r.Edits, Edit{Field: key, Value: strings.TrimSpace(m[3])})
				continue
			}
		}
		if r.Action == "reject" && r.Reason == "" {
			r.Reason = t
		}
	}
	if r.Action == "unknown" && len(r.Edits) > 0 {
		r.Action = "edit"
	}
}
