package parse

import (
	"regexp"
	"strings"
)

// Forwarded header blocks come in every client's layout and language. A block is read by its
// structure (a run of header lines with a sender and a subject or date), not by one client's
// words; the marker line before it, when there is one, tells a forward from a quoted reply.
var (
	separatorRe = regexp.MustCompile(`^\s*(?:-{2,}|_{2,}|={2,})\s*([^-_=]{0,60}?)\s*(?:-{2,}|_{2,}|={2,})?\s*$`)
	beginFwdRe  = regexp.MustCompile(`(?i)^\s*(?:begin forwarded message|anfang der weitergeleiteten (?:nachricht|e-mail)|début du message réexpédié|debut du message reexpedie|inizio messaggio inoltrato|mensaje reenviado|mensagem encaminhada|forwarded message|doorgestuurd bericht|vidarebefordrat meddelande|videresendt melding|转发的邮件|転送されたメッセージ|原始邮件)\s*:?\s*$`)
	notesFwdRe  = regexp.MustCompile(`(?i)^\s*-{2,}\s*forwarded by\b`)
	forwardWord = regexp.MustCompile(`(?i)forward|weitergeleitet|réexpédié|transféré|inoltrat|reenviad|encaminhad|doorgestuurd|vidarebefordra|videresend|转发|転送|전달|пересланн|przekazan|iletilen|přeposlan`)
	replyHeadRe = regexp.MustCompile(`(?i)(?:^|\s)(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|kirjoitti|napisał|написал|写道|のメッセージ)\s*:\s*$`)
	mailTime    = regexp.MustCompile(`\b\d{1,2}[:.]\d{2}\b|午前|午後|上午|下午`)
	hdrLineRe   = regexp.MustCompile(`^\s*\*?\s*([^\s:*][^:*]{0,30}?)\s*\*?\s*[:：]\s*\*?\s*(.*)$`)
)

// forwardLabels maps a forwarded header's label, in the languages clients write, to its role.
var forwardLabels = map[string]string{
	"from": "from", "von": "from", "de": "from", "da": "from", "van": "from", "från": "from",
	"fra": "from", "od": "from", "от": "from", "发件人": "from", "寄件者": "from", "差出人": "from",
	"보낸 사람": "from", "afzender": "from", "lähettäjä": "from", "feladó": "from", "nadawca": "from",
	"remitente": "from", "expéditeur": "from", "sender": "from", "mittente": "from", "보낸사람": "from",
	"відправник": "from", "gönderen": "from", "odesílatel": "from",
	"sent": "date", "date": "date", "gesendet": "date", "datum": "date", "envoyé": "date",
	"envoye": "date", "enviado": "date", "enviada": "date", "fecha": "date", "inviato": "date",
	"enviado el": "date", "enviada el": "date", "enviado em": "date", "enviada em": "date",
	"envoyé le": "date", "gesendet am": "date", "data de envio": "date", "fecha de envío": "date",
	"data": "date", "verzonden": "date", "skickat": "date", "sendt": "date", "lähetetty": "date",
	"发送时间": "date", "日期": "date", "送信日時": "date", "日付": "date", "날짜": "date",
	"отправлено": "date", "дата": "date", "wysłano": "date", "sent at": "date",
	"to": "to", "an": "to", "à": "to", "a": "to", "para": "to", "aan": "to", "till": "to",
	"til": "to", "收件人": "to", "宛先": "to", "받는 사람": "to", "кому": "to", "do": "to",
	"vastaanottaja": "to", "címzett": "to", "destinatario": "to", "destinatari": "to", "받는사람": "to",
	"кому:": "to", "komu": "to", "alıcı": "to",
	"cc": "cc", "kopie": "cc", "copie": "cc", "抄送": "cc", "副本": "cc", "copy": "cc", "kopia": "cc",
	"참조": "cc", "копия": "cc", "dw": "cc", "kopie an": "cc", "copia": "cc", "copie à": "cc", "copie a": "cc",
	"sujet": "subject", "pour": "to", "enviados": "date", "enviadas": "date", "enviado por": "from",
	"subject": "subject", "betreff": "subject", "objet": "subject", "oggetto": "subject",
	"asunto": "subject", "assunto": "subject", "onderwerp": "subject", "ämne": "subject",
	"emne": "subject", "主题": "subject", "主旨": "subject", "件名": "subject", "제목": "subject",
	"тема": "subject", "temat": "subject", "aihe": "subject", "tárgy": "subject",
	"reply-to": "replyto", "antwort an": "replyto", "répondre à": "replyto",
}

// fwdHeader is a forwarded message's header as read out of a body.
type fwdHeader struct {
	from, to, cc, subject, date, replyTo string
}

// fwdBlock is a forwarded or quoted message found inside a body.
type fwdBlock struct {
	before  string    // the text above the block: the forwarder's note or the newest reply
	header  fwdHeader // the forwarded message's header
	after   string    // the forwarded message's text
	forward bool      // the marker line's words say "forwarded"
}

// findForward finds the first forwarded or quoted message in text.
func findForward(text string) (fwdBlock, bool) {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		marker, forward := isMarker(line)
		start := i
		if marker {
			start = nextNonBlank(lines, i+1, 3)
			if start < 0 {
				continue
			}
		}
		quoted := false
		if marker && strings.HasPrefix(strings.TrimSpace(lines[start]), ">") {
			quoted = true
		}
		src := lines
		if quoted {
			src = unquoteFrom(lines, start)
		}
		h, end, ok := readHeaderBlock(src, start, marker, forward)
		if !ok {
			if marker && isReplyHead(strings.TrimSpace(line)) {
				return fwdBlock{before: strings.Join(lines[:i], "\n"), after: strings.Join(src[start:], "\n")}, true
			}
			continue
		}
		return fwdBlock{
			before:  strings.Join(lines[:i], "\n"),
			header:  h,
			after:   strings.Join(src[end:], "\n"),
			forward: forward,
		}, true
	}
	return fwdBlock{}, false
}

// isMarker reports whether line introduces a forwarded or quoted message, and whether its
// words say "forwarded".
func isMarker(line string) (marker, forward bool) {
	t := strings.TrimSpace(line)
	if t == "" {
		return false, false
	}
	switch t[0] {
	case '-', '_', '=':
		if notesFwdRe.MatchString(t) {
			return true, true
		}
		if m := separatorRe.FindStringSubmatch(t); m != nil && len(t) >= 8 {
			return true, forwardWord.MatchString(m[1])
		}
		return false, false
	}
	if len(t) < 80 && beginFwdRe.MatchString(t) {
		return true, true
	}
	if isReplyHead(t) {
		return true, false
	}
	return false, false
}

// readHeaderBlock reads header lines from lines[start:]; ok when they make a message header
// (a sender and a subject or a date; without a marker line, a sender, a subject and a date or
// recipient, in the first four lines).
func readHeaderBlock(lines []string, start int, marker, saysForward bool) (fwdHeader, int, bool) {
	var h fwdHeader
	if start >= len(lines) || !headerLabelFirst(lines[start]) {
		return h, 0, false
	}
	seen := map[string]bool{}
	fromHasAddress := false
	last := ""
	i := start
	for ; i < len(lines) && i < start+20; i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			break
		}
		m := hdrLineRe.FindStringSubmatch(line)
		role := ""
		if m != nil {
			role = forwardLabels[strings.ToLower(strings.TrimSpace(m[1]))]
		}
		if role == "" || seen[role] {
			// A wrapped recipient list continues on the next line: indented, or (Outlook
			// wraps without indenting) carrying the rest of an address.
			if role == "" && last != "" && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") ||
				(last == "to" || last == "cc") && wrappedAddress(line)) {
				h.set(last, h.get(last)+" "+strings.TrimSpace(line))
				continue
			}
			if i == start {
				return h, 0, false
			}
			if statementLabels[canonicalLabel(mOrEmpty(m))] != "" && !seen["subject"] {
				return h, 0, false // a statement's field block, not a header
			}
			break
		}
		seen[role] = true
		last = role
		h.set(role, strings.TrimSpace(m[2]))
		if role == "from" {
			fromHasAddress = strings.Contains(m[2], "@")
		}
	}
	if !seen["from"] {
		return h, 0, false
	}
	if marker {
		if !seen["subject"] && !seen["date"] {
			return h, 0, false
		}
		// Under a plain rule line (no "forwarded" in it) a statement's own From/To/Date
		// block looks the same: only a sender's address or a sent time makes it a header.
		if !saysForward && !fromHasAddress && !mailTime.MatchString(h.date) {
			return h, 0, false
		}
	} else if !seen["subject"] || !seen["date"] || !mailTime.MatchString(h.date) || !fromHasAddress {
		// Without a marker line, only a real mail header counts: a sent time and an address
		// on the From line. A statement's own To/From/Subject/Date block has neither.
		return h, 0, false
	}
	return h, i, true
}

func mOrEmpty(m []string) string {
	if m == nil {
		return ""
	}
	return m[1]
}

func (h *fwdHeader) set(role, v string) {
	switch role {
	case "from":
		h.from = v
	case "to":
		h.to = v
	case "cc":
		h.cc = v
	case "subject":
		h.subject = v
	case "date":
		h.date = v
	case "replyto":
		h.replyTo = v
	}
}

func (h *fwdHeader) get(role string) string {
	switch role {
	case "from":
		return h.from
	case "to":
		return h.to
	case "cc":
		return h.cc
	case "subject":
		return h.subject
	case "date":
		return h.date
	case "replyto":
		return h.replyTo
	}
	return ""
}

func nextNonBlank(lines []string, from, maxSkip int) int {
	for i := from; i < len(lines) && i <= from+maxSkip; i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}

// unquoteFrom returns a copy of lines with one level of "> " quoting removed from start on.
func unquoteFrom(lines []string, start int) []string {
	out := make([]string, len(lines))
	copy(out, lines)
	for i := start; i < len(out); i++ {
		l := out[i]
		if strings.HasPrefix(l, "> ") {
			out[i] = l[2:]
		} else if strings.HasPrefix(l, ">") {
			out[i] = l[1:]
		}
	}
	return out
}

// stripQuoted removes quoted lines ("> ...") and reply headers ("On ..., X wrote:"), so that
// fields are read only from the newest text.
func stripQuoted(text string) string {
	lines := strings.Split(text, "\n")
	out := lines[:0:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ">") || isReplyHead(t) {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// isReplyHead reports whether a trimmed line is a reply header ("On ..., X wrote:").
func isReplyHead(t string) bool {
	return len(t) < 300 && (strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")) && replyHeadRe.MatchString(t)
}

// headerLabelFirst is a cheap test that line starts with a forwarded header's label: the
// text before its first colon is one of forwardLabels.
func headerLabelFirst(line string) bool {
	i := strings.IndexAny(line, ":：")
	if i < 0 || i > 40 {
		return false
	}
	label := strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(line[:i]), "*")))
	return forwardLabels[label] != ""
}

// wrappedAddress reports whether an unlabelled line continues an address list: it holds an
// address in angle brackets or ends a list item.
func wrappedAddress(line string) bool {
	t := strings.TrimSpace(line)
	return strings.Contains(t, "@") && (strings.Contains(t, "<") || strings.Contains(t, ">") || strings.HasSuffix(t, ";"))
}
