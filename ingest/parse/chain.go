package parse

import (
	"strings"

	"github.com/emersion/go-message/mail"

	liaisond "github.com/ietf-tools/liaisond"
)

// layer is one message in a chain of forwards: the outer mail, a message/rfc822 inside it,
// or a forwarded header block inside a body. The statement is the innermost one.
type layer struct {
	from    *liaisond.Contact
	to, cc  []liaisond.Contact
	replyTo []liaisond.Contact
	subject string
	text    string
	// header is set when the layer is a real message header (the outer mail or an attached
	// message), nil when it was read out of a body.
	header *mail.Header
	// files are the attachments of an attached message (for the outer layer: its own).
	ent *entity
}

const maxForwardDepth = 10

// buildChain unwraps forwards: inline blocks in the body and attached messages. A quoted
// reply ends the newest text: older statements below it are not this message's fields.
func buildChain(ent *entity) []*layer {
	top := headerLayer(ent)
	chain := []*layer{top}
	chain = unwrapInline(chain, top)
	last := chain[len(chain)-1]
	if len(ent.inner) > 0 && countLabels(stripQuoted(last.text)) < 2 {
		if inner := pickInner(ent.inner); inner != nil {
			chain = append(chain, buildChain(inner)...)
		}
	}
	return chain
}

// unwrapInline follows forwarded header blocks inside l's text.
func unwrapInline(chain []*layer, l *layer) []*layer {
	reply := subjectIsReply(l.subject)
	// A thread forwarded to the intake ("Fw: RE: Fwd: LS ..."): the replies in it are
	// passed through until the statement is found.
	thread := subjectForwardChain(l.subject)
	for depth := 0; depth < maxForwardDepth; depth++ {
		b, ok := findForward(l.text)
		if !ok {
			break
		}
		own := countLabels(stripQuoted(b.before))
		// A reply that adds nothing above the message it quotes forwards that message.
		empty := strings.TrimSpace(stripQuoted(b.before)) == ""
		forward := b.forward || subjectIsForward(l.subject) || (!reply && own < 2) || empty || thread && own < 2
		if b.header.from == "" && thread && own < 2 && strings.TrimSpace(b.after) != "" {
			// A reply inside a thread forwarded to the intake ("El ..., X escribió:"):
			// the statement is further down, in what it quotes.
			l.text = b.after
			continue
		}
		if b.header.from == "" || !forward {
			// A quoted reply: the newest text counts, older statements below it do not.
			l.text = b.before
			break
		}
		inner := &layer{
			from:    firstAddress(b.header.from),
			to:      addressList(b.header.to),
			cc:      addressList(b.header.cc),
			replyTo: addressList(b.header.replyTo),
			subject: collapseSpace(b.header.subject),
			text:    b.after,
		}
		if inner.from == nil && b.header.from != "" {
			inner.from = &liaisond.Contact{Name: cleanName(b.header.from)}
		}
		l.text = b.before
		chain = append(chain, inner)
		l = inner
		reply = subjectIsReply(inner.subject)
		thread = thread || subjectIsForward(inner.subject)
	}
	return chain
}

// pickInner chooses, among attached messages, the one that carries a statement.
func pickInner(inner []*entity) *entity {
	best, bestScore := (*entity)(nil), -1
	for _, e := range inner {
		if s := countLabels(e.text); s > bestScore {
			best, bestScore = e, s
		}
	}
	return best
}

func headerLayer(ent *entity) *layer {
	h := ent.header
	l := &layer{
		from:    headerFrom(h),
		to:      headerAddresses(h, "To"),
		cc:      headerAddresses(h, "Cc"),
		replyTo: headerAddresses(h, "Reply-To"),
		subject: headerText(h, "Subject"),
		text:    ent.text,
		header:  &ent.header,
		ent:     ent,
	}
	return l
}

// listRewritten reports whether a list rewrote the From of this message for DMARC
// ("X via netmod <netmod@ietf.org>"): the author is then in Reply-To or X-Original-From.
func listRewritten(h mail.Header, from *liaisond.Contact) bool {
	if from == nil {
		return false
	}
	if strings.Contains(strings.ToLower(from.Name), " via ") {
		return true
	}
	post := listPost(h)
	return post != "" && strings.EqualFold(post, from.Email)
}

// listPost returns the List-Post address, or "".
func listPost(h mail.Header) string {
	v := h.Get("List-Post")
	i := strings.Index(strings.ToLower(v), "mailto:")
	if i < 0 {
		return ""
	}
	v = v[i+len("mailto:"):]
	if j := strings.IndexAny(v, ">?, "); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v)
}
