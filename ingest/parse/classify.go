package parse

import (
	"regexp"
	"strings"

	"github.com/emersion/go-message/mail"
)

var (
	autoReplySubject = regexp.MustCompile(`(?i)^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|auto[- ]?response|autoreply|out of (?:the )?office|ooo\b|abwesenheitsnotiz|automatische antwort|réponse automatique|reponse automatique|absence|respuesta automática|respuesta automatica|risposta automatica|automatisch antwoord|autosvar|automaattinen vastaus|自动回复|自動回覆|自動応答|不在|odpowiedź automatyczna|автоматический ответ|resposta automática)\b`)
	bounceSubject    = regexp.MustCompile(`(?i)^\s*(?:undeliver(?:ed|able)|delivery status notification|mail delivery (?:failed|failure|system)|returned mail|failure notice|non[- ]?delivery|delivery (?:failure|has failed)|nicht zustellbar|unzustellbar|non remis|read:|gelesen:|lu :|read receipt)`)
	digestSubject    = regexp.MustCompile(`(?i)\bdigest\b(?:,\s*vol|\s+vol|\s+v\d|\s+#|\s+\d)`)
	listAdminSubject = regexp.MustCompile(`(?i)(?:post from .+ requires approval|awaits moderator approval|your message to .+ (?:awaits|is being held)|welcome to the .+ mailing list|confirm your subscription|subscription (?:request|notification)|unsubscribe request)`)
	dtNotNew         = regexp.MustCompile(`(?i)^\s*\[Liaison (?:deadline|OUT OF DATE)|needs your approval\s*$|^\s*Request for update of list of authorized individuals`)
	mailerDaemon     = regexp.MustCompile(`(?i)^(?:mailer-daemon|postmaster)$`)
	daemonLocal      = regexp.MustCompile(`(?i)^(?:mailer-daemon|postmaster|mail-daemon|maildelivery|bounces?|bounce[-+].*|.*-bounces|.*-request|owner-.*|.*-owner|no-?reply|do-?not-?reply|donotreply|noreply[-+.].*|notifications?|auto-?reply)$`)
)

// notStatement says why a message's headers alone make it something other than a statement:
// our own mail, a bounce or receipt, an auto-reply, a digest, spam. Empty when the headers
// leave it open.
func notStatement(h mail.Header, ent *entity, opts Options, datatracker bool) string {
	if h.Get("X-Liaisond") != "" {
		return "our own mail coming back (X-Liaisond header)"
	}
	if id := messageID(h); id != "" && ownDomain(id, opts) {
		return "our own mail coming back (Message-ID " + id + ")"
	}
	if from := headerFrom(h); from != nil && isOwnAddress(from.Email, opts) {
		return "our own mail coming back (From " + from.Email + ")"
	}
	if ent.report {
		return "delivery or disposition report (multipart/report): a bounce or read receipt, not a statement"
	}
	rp := strings.TrimSpace(h.Get("Return-Path"))
	if rp == "<>" {
		return "null sender (Return-Path <>): a bounce or automatic notice"
	}
	if from := headerFrom(h); from != nil {
		if local := localPart(from.Email); mailerDaemon.MatchString(local) {
			return "mail from " + from.Email + ": a delivery notice"
		}
	}
	subject := headerText(h, "Subject")
	if auto := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); auto != "" && !strings.HasPrefix(auto, "no") {
		// A liaison system that mails statements out marks them auto-generated, as the
		// Datatracker does: one that carries a statement's field block is recorded (and,
		// by RFC 3834, not acknowledged); any other automatic mail is not a statement.
		generated := strings.HasPrefix(auto, "auto-generated")
		if !(generated && (datatracker || countLabels(ent.text) >= 3)) {
			return "automatic mail (Auto-Submitted: " + auto + "), never a statement nor acknowledged"
		}
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || strings.EqualFold(strings.TrimSpace(h.Get("Precedence")), "auto_reply") {
		return "auto-reply (X-Autoreply / Precedence: auto_reply)"
	}
	if autoReplySubject.MatchString(subject) {
		return "out-of-office or automatic reply (subject " + quoteShort(subject) + ")"
	}
	if bounceSubject.MatchString(subject) {
		return "delivery or read notice (subject " + quoteShort(subject) + ")"
	}
	if strings.EqualFold(strings.TrimSpace(h.Get("X-List-Administrivia")), "yes") || listAdminSubject.MatchString(subject) {
		return "mailing list administration (moderation, subscription notice), not a statement"
	}
	if ent.calendar || strings.Contains(strings.ToLower(h.Get("Content-Class")), "calendarmessage") {
		return "calendar invitation or answer, not a statement"
	}
	if datatracker && dtNotNew.MatchString(subject) {
		return "Datatracker reminder or approval request about a statement it already has, not a new statement"
	}
	if id := repliedToOurs(h, opts); id != "" {
		return "a reply to mail liaisond sent (" + id + "), not a statement"
	}
	if ent.digest || digestSubject.MatchString(subject) {
		return "mailing list digest: statements in it are recorded when they arrive on their own"
	}
	if strings.EqualFold(strings.TrimSpace(h.Get("X-Spam-Flag")), "yes") ||
		strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("X-Spam-Status"))), "yes") {
		return "marked as spam (X-Spam-Flag / X-Spam-Status)"
	}
	return ""
}

func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return `"` + s + `"`
}

func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(strings.Trim(addr[i+1:], "> "))
	}
	return ""
}

// ourLocalPart is the left-hand side of the Message-IDs liaisond makes: 32 hex digits, or
// c- and a reply token. People on the same domain write other ones.
var ourLocalPart = regexp.MustCompile(`^(?:[0-9a-f]{32}|c-[a-z2-7]{16,})$`)

// ownDomain reports whether a Message-ID was made by us: our form, on one of our domains.
func ownDomain(id string, opts Options) bool {
	d := domainOf(id)
	if d == "" || !ourLocalPart.MatchString(localPart(id)) {
		return false
	}
	for _, o := range opts.OwnDomains {
		if strings.EqualFold(d, o) {
			return true
		}
	}
	return false
}

// isOwnAddress reports whether addr is one of ours, sub-addresses included.
func isOwnAddress(addr string, opts Options) bool {
	a := strings.ToLower(strings.TrimSpace(addr))
	local, domain := localPart(a), domainOf(a)
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	for _, o := range opts.OwnAddresses {
		o = strings.ToLower(strings.TrimSpace(o))
		if a == o || local+"@"+domain == o {
			return true
		}
	}
	return false
}

// noReplyAddress reports whether an address belongs to a daemon, a list machine or a
// no-reply sender: never acknowledged.
func noReplyAddress(addr string) bool {
	return daemonLocal.MatchString(localPart(strings.ToLower(addr)))
}

// headerText returns a header field decoded (RFC 2047), or its raw value when the charset is
// unknown.
func headerText(h mail.Header, key string) string {
	v, err := h.Text(key)
	if err != nil || v == "" {
		v = h.Get(key)
	}
	return collapseSpace(strings.ToValidUTF8(v, "\uFFFD"))
}

// messageID returns the Message-ID without angle brackets, leniently.
func messageID(h mail.Header) string {
	if id, err := h.MessageID(); err == nil && id != "" {
		return id
	}
	v := strings.TrimSpace(h.Get("Message-Id"))
	v = strings.TrimPrefix(v, "<")
	if i := strings.IndexByte(v, '>'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// repliedToOurs returns the Message-ID of our own mail that this message answers (an
// acknowledgement, a reminder; not a confirmation request, whose replies are commands), or
// "".
func repliedToOurs(h mail.Header, opts Options) string {
	for _, k := range []string{"In-Reply-To", "References"} {
		for _, f := range strings.Fields(h.Get(k)) {
			id := strings.Trim(f, "<>,")
			if ownDomain(id, opts) && !strings.HasPrefix(id, "c-") {
				return id
			}
		}
	}
	return ""
}
