package parse

import (
	"regexp"
	"strings"
)

// Reply and forward prefixes in the languages mail clients write them in, with their
// repeats and counters ("Re[2]:", "AW: WG: ", "RE :").
var (
	replyPrefix   = `re|aw|sv|vs|antw|antwort|odp|rif|r|res|ynt|vá|回复|回覆|答复|返信|Ответ`
	forwardPrefix = `fwd?|fw|wg|tr|rv|enc|i|doorst|vs|vl|trs|pd|továbbítás|転送|转发|轉寄|Пересл|reenv`
	prefixRe      = regexp.MustCompile(`(?i)^\s*(?:(` + replyPrefix + `|` + forwardPrefix + `|resend|ext|external)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)`)
	forwardOnlyRe = regexp.MustCompile(`(?i)^\s*(?:` + forwardPrefix + `)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]`)
	replyOnlyRe   = regexp.MustCompile(`(?i)^\s*(?:` + replyPrefix + `)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]`)
	bracketTagRe  = regexp.MustCompile(`^\s*\[[^\]]{1,40}\]\s*`)
	dtWrapperRe   = regexp.MustCompile(`(?i)^\s*New Liaison Statement,\s*["“”](.*)["“”]\s*(?:needs your approval)?\s*$`)
)

// cleanSubject strips what clients and lists add to a subject: reply and forward prefixes,
// list tags, [EXT] markers, RESEND, and the Datatracker's `New Liaison Statement, "..."`.
func cleanSubject(s string) string {
	s = collapseSpace(s)
	for i := 0; i < 20; i++ {
		before := s
		if m := prefixRe.FindStringSubmatchIndex(s); m != nil {
			s = s[m[1]:]
		}
		if m := bracketTagRe.FindStringIndex(s); m != nil {
			s = s[m[1]:]
		}
		if m := dtWrapperRe.FindStringSubmatch(s); m != nil {
			s = m[1]
		}
		s = strings.TrimSpace(s)
		if s == before {
			break
		}
	}
	return s
}

// subjectIsForward reports whether the subject's first prefix says "forwarded".
func subjectIsForward(s string) bool {
	s = strings.TrimSpace(bracketTagRe.ReplaceAllString(s, ""))
	return forwardOnlyRe.MatchString(s) && !replyOnlyRe.MatchString(s)
}

// subjectForwardChain reports whether any of the subject's leading prefixes says
// "forwarded" ("RE: FW: ...", "AW: WG: ..."): a reply inside a thread that was forwarded.
func subjectForwardChain(s string) bool {
	s = collapseSpace(s)
	for i := 0; i < 20; i++ {
		s = strings.TrimSpace(bracketTagRe.ReplaceAllString(s, ""))
		if forwardOnlyRe.MatchString(s) && !replyOnlyRe.MatchString(s) {
			return true
		}
		m := prefixRe.FindStringIndex(s)
		if m == nil {
			return false
		}
		s = s[m[1]:]
	}
	return false
}

// subjectIsReply reports whether the subject's first prefix says "reply".
func subjectIsReply(s string) bool {
	s = strings.TrimSpace(bracketTagRe.ReplaceAllString(s, ""))
	return replyOnlyRe.MatchString(s)
}

// titleFromSubject takes the statement's title from a cleaned subject: when the subject says
// "<sender> liaison <id> to <group>: <title>" the part after the colon is the title.
func titleFromSubject(s string) string {
	s = cleanSubject(s)
	if i := strings.Index(s, ": "); i > 0 {
		head := strings.ToLower(s[:i])
		if idRe.MatchString(s[:i]) || strings.Contains(head, "liaison") || strings.Contains(head, " ls ") ||
			strings.HasPrefix(head, "ls ") || strings.HasSuffix(head, " ls") {
			if rest := strings.TrimSpace(s[i+2:]); len(rest) > 8 {
				return rest
			}
		}
	}
	return s
}
