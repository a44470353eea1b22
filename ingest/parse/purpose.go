package parse

import (
	"regexp"
	"strings"

	liaisond "github.com/ietf-tools/liaisond"
)

var (
	purposeWords  = regexp.MustCompile(`(?i)\b(action|comments?|information|info|response|reply|review|feedback|decision|approval|agreement)\b`)
	clauseSep     = regexp.MustCompile(`[;.\n]|,\s*(?:and\s+)?(?:others?|all other)`)
	ietfWord      = regexp.MustCompile(`(?i)\b(IETF|IAB|IESG)\b`)
	statusPurpose = regexp.MustCompile(`(?i)^\s*(?:for\s+)?(?:action|comments?|information|info|review)\b`)
	forPurpose    = regexp.MustCompile(`(?i)^\s*for\s+(?:action|comments?|information|info)\b`)
	replyTitle    = regexp.MustCompile(`(?i)^(?:reply\s+ls|ls/r|ls\s*/\s*r|response\s+to|reply\s+to|answer\s+to)\b|\bLS/r\b`)
)

// purposeWord maps the word a statement uses to the Datatracker's purpose.
func purposeWord(w string) liaisond.Purpose {
	switch strings.ToLower(w) {
	case "action", "decision", "approval", "agreement":
		return liaisond.PurposeAction
	case "comment", "comments", "review", "feedback":
		return liaisond.PurposeComment
	case "information", "info":
		return liaisond.PurposeInfo
	case "response", "reply":
		return liaisond.PurposeResponse
	}
	return liaisond.PurposeNone
}

// purposeOf decides a statement's purpose from its fields: a Purpose line (with per-recipient
// clauses, the one naming an IETF body wins), ITU-T "For action to:" lines, a 3GPP ACTION
// section, or a reply's title. With none of those but a deadline, or a reply that sets a
// deadline, something is asked for by then: action.
func purposeOf(fs fields, title string, deadline bool) liaisond.Purpose {
	reply := replyTitle.MatchString(title) || (fs.has("responseto") && !emptyValue(fs.value("responseto")))
	for _, f := range fs.all["purpose"] {
		if p := perRecipient(f.text()); p != liaisond.PurposeNone {
			if p == liaisond.PurposeInfo && reply {
				return liaisond.PurposeResponse
			}
			return p
		}
	}
	// ITU-R's "Status: For information"; a status that is prose ("Approved ...; the action
	// due date of N 24388 ...") says nothing about the purpose.
	for _, f := range fs.all["status"] {
		if statusPurpose.MatchString(f.oneLine()) {
			if p := perRecipient(f.oneLine()); p != liaisond.PurposeNone {
				return p
			}
		}
	}
	if p := ituPurpose(fs); p != liaisond.PurposeNone {
		if p == liaisond.PurposeInfo && reply {
			return liaisond.PurposeResponse
		}
		return p
	}
	if fs.has("action") {
		v := strings.ToLower(fs.value("action"))
		if forPurpose.MatchString(v) { // "Action: For comment by the IESG; for information to the IAB"
			return perRecipient(v)
		}
		if emptyValue(v) || strings.HasPrefix(v, "none") || strings.HasPrefix(v, "no action") {
			if reply {
				return liaisond.PurposeResponse
			}
			return liaisond.PurposeInfo
		}
		return liaisond.PurposeAction
	}
	switch {
	case deadline:
		return liaisond.PurposeAction
	case reply:
		return liaisond.PurposeResponse
	}
	return liaisond.PurposeNone
}

// perRecipient reads "For action" or "IETF CCAMP for action; others for information".
func perRecipient(v string) liaisond.Purpose {
	clauses := clauseSep.Split(v, -1)
	if len(clauses) > 1 {
		for _, c := range clauses {
			if ietfMentioned(c) {
				if p := strongestPurpose(c); p != liaisond.PurposeNone {
					return p
				}
			}
		}
	}
	if p := strongestPurpose(v); p != liaisond.PurposeNone {
		return p
	}
	// ISO/IEC JTC 1 documents code the requested action.
	switch strings.ToUpper(strings.Trim(collapseSpace(v), ". ")) {
	case "ACT", "ACTION":
		return liaisond.PurposeAction
	case "COM", "COMM", "COMMENT", "COMMENTS":
		return liaisond.PurposeComment
	case "FYI", "INF", "INFO":
		return liaisond.PurposeInfo
	}
	return liaisond.PurposeNone
}

// ituPurpose reads ITU-T's "For action to:", "For comment to:" and "For information to:"
// lines: the strongest one that names an IETF body, else the strongest one that is set.
func ituPurpose(fs fields) liaisond.Purpose {
	order := []struct {
		key string
		p   liaisond.Purpose
	}{{"foraction", liaisond.PurposeAction}, {"forcomment", liaisond.PurposeComment}, {"forinfo", liaisond.PurposeInfo}}
	for _, o := range order {
		if v := fs.value(o.key); !emptyValue(v) && len(ietfGroups(v)) > 0 {
			return o.p
		}
	}
	for _, o := range order {
		if v := fs.value(o.key); fs.has(o.key) && !emptyValue(v) {
			return o.p
		}
	}
	return liaisond.PurposeNone
}

func ietfMentioned(s string) bool {
	return ietfWord.MatchString(s) || len(ietfGroups(s)) > 0
}

// proseLS is a sentence that says what a statement is sent for.
var proseLS = regexp.MustCompile(`(?i)\b(?:liaison statement|liaison|LS)\b[^.\n]{0,100}?\bfor\s+(?:your\s+|its\s+)?(action|comments?|information|info)\b`)

// purposeInProse reads the purpose from a sentence of a mail that has no field for it:
// "TC SmartM2M sends this liaison statement to IETF ASDF for information."
func purposeInProse(text string) liaisond.Purpose {
	if m := proseLS.FindStringSubmatch(collapseSpace(text)); m != nil {
		return purposeWord(m[1])
	}
	return liaisond.PurposeNone
}

// purposeRank orders purposes by what they ask of the addressee.
var purposeRank = map[liaisond.Purpose]int{
	liaisond.PurposeResponse: 1, liaisond.PurposeInfo: 2, liaisond.PurposeComment: 3, liaisond.PurposeAction: 4,
}

// strongestPurpose is the purpose of the strongest word in v: "Information/Action" and
// "For information and comment" ask for action and comment.
func strongestPurpose(v string) liaisond.Purpose {
	best := liaisond.PurposeNone
	for _, w := range purposeWords.FindAllString(v, -1) {
		if p := purposeWord(w); purposeRank[p] > purposeRank[best] {
			best = p
		}
	}
	return best
}
