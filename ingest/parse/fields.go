package parse

import (
	"regexp"
	"strings"
)

// field is one labelled line of a statement's field block, with the indented lines that
// continue it (an ITU-T Contact block, a 3GPP Contact Person block, a wrapped title).
type field struct {
	key   string // canonical label, one of the keys of statementLabels
	value string // text after the colon on the label line
	more  []string
	// below: the label stood alone on its line and its value follows on the next lines
	// (a Word table pasted as text, each cell on a line of its own).
	below bool
}

// text is the value and its continuation lines, joined by newlines.
func (f field) text() string {
	if len(f.more) == 0 {
		return f.value
	}
	return f.value + "\n" + strings.Join(f.more, "\n")
}

// list is the value and its continuation lines as one comma-separated list: a To: or Cc:
// line continued on the next line names one more entry there.
func (f field) list() string {
	return collapseSpace(strings.ReplaceAll(f.text(), "\n", ", "))
}

// oneLine is the value and its continuation lines joined by single spaces.
func (f field) oneLine() string {
	return collapseSpace(strings.ReplaceAll(f.text(), "\n", " "))
}

// fields is a statement's field block: the first occurrence of each label wins, except for
// labels that may repeat (contacts).
type fields struct {
	first map[string]field
	all   map[string][]field
}

func (fs fields) get(key string) (field, bool) {
	f, ok := fs.first[key]
	return f, ok
}

func (fs fields) value(key string) string {
	return fs.first[key].oneLine()
}

// list is field key as a comma-separated list (see field.list).
func (fs fields) list(key string) string {
	return fs.first[key].list()
}

func (fs fields) has(key string) bool {
	_, ok := fs.first[key]
	return ok
}

// statementLabels maps a label as written (lower case, single spaces, no "(s)") to its key.
// Labels follow the Datatracker's mail, RFC 4053, the 3GPP cover sheet and the ITU templates.
var statementLabels = map[string]string{
	"title":                     "title",
	"ls title":                  "title",
	"subject":                   "subject",
	"from":                      "from",
	"source":                    "from",
	"from group":                "from",
	"sending organization":      "from",
	"sending organisation":      "from",
	"liaison from":              "from",
	"liaison to":                "to",
	"to":                        "to",
	"to group":                  "to",
	"addressee":                 "to",
	"cc":                        "cc",
	"copy":                      "cc",
	"copy to":                   "cc",
	"response contact":          "response",
	"reponse contact":           "response",
	"send any reply ls to":      "response",
	"send any reply to":         "response",
	"reply to":                  "response",
	"technical contact":         "technical",
	"contact":                   "technical",
	"contact person":            "technical",
	"contact persons":           "technical",
	"contact details":           "technical",
	"purpose":                   "purpose",
	"for":                       "purpose",
	"for action to":             "foraction",
	"for action":                "foraction",
	"for comment to":            "forcomment",
	"for comments to":           "forcomment",
	"for information to":        "forinfo",
	"for info to":               "forinfo",
	"deadline":                  "deadline",
	"please reply by":           "deadline",
	"reply by":                  "deadline",
	"response deadline":         "deadline",
	"reply deadline":            "deadline",
	"deadline for reply":        "deadline",
	"deadline for response":     "deadline",
	"attachments":               "attachments",
	"attachment":                "attachments",
	"body":                      "body",
	"response to":               "responseto",
	"in response to":            "responseto",
	"referenced liaison":        "responseto",
	"reply to ls":               "responseto",
	"action":                    "action",
	"action id":                 "purpose",
	"status":                    "status",
	"due date":                  "deadline",
	"action due date":           "deadline",
	"expected action":           "purpose",
	"reply due":                 "deadline",
	"reference":                 "reference",
	"broadband forum reference": "reference",
	"ls number":                 "reference",
	"our ref":                   "reference",
	"document":                  "reference",
	// The ITU template in French and Spanish.
	"titre":               "title",
	"título":              "title",
	"titulo":              "title",
	"origine":             "from",
	"origen":              "from",
	"pour action à":       "foraction",
	"pour action a":       "foraction",
	"pour observations à": "forcomment",
	"pour commentaires à": "forcomment",
	"pour information à":  "forinfo",
	"pour information a":  "forinfo",
	"para acción a":       "foraction",
	"para accion a":       "foraction",
	"para comentarios a":  "forcomment",
	"para información a":  "forinfo",
	"para informacion a":  "forinfo",
	"date limite":         "deadline",
	"fecha límite":        "deadline",
	"fecha limite":        "deadline",
	"contacto":            "technical",
	"approbation":         "ignore",
	"aprobación":          "ignore",
	// Labels that are part of a block but not fields of the record; they end the field
	// before them and say that this is a statement's block.
	"submission date":          "ignore",
	"url of the ietf web page": "ignore",
	"approval":                 "ignore",
	"meeting":                  "ignore",
	"questions":                "ignore",
	"question":                 "ignore",
	"release":                  "ignore",
	"work item":                "ignore",
	"keywords":                 "ignore",
	"abstract":                 "ignore",
	"date":                     "ignore",
	"original":                 "ignore",
	"study group":              "ignore",
	"working party":            "ignore",
}

// valueExpected are the fields whose label never stands alone: when it does, the value is
// in the next paragraph (a Word table saved as text puts each cell in its own).
var valueExpected = map[string]bool{"title": true, "from": true, "to": true, "purpose": true, "deadline": true,
	"foraction": true, "forcomment": true, "forinfo": true, "subject": true, "response": true, "technical": true,
	"cc": true}

// evidenceKeys are the field keys that say "this is a statement's block".
var evidenceKeys = []string{"title", "from", "to", "purpose", "foraction", "forcomment", "forinfo",
	"deadline", "response", "technical", "responseto"}

var labelLine = regexp.MustCompile(`^([ \t]*)(\pL[\pL0-9 ()./'&*-]{0,40}?)[ \t]*:[ \t]*(.*)$`)
var pleaseReplyBy = regexp.MustCompile(`(?i)^[ \t]*(please reply by|reply by)[ \t]+(.+)$`)

// canonicalLabel turns "Technical Contact(s)" into "technical contact", and ETSI's
// "Title*" (a mandatory field) and "from Source*" into "title" and "source".
func canonicalLabel(l string) string {
	l = strings.ToLower(collapseSpace(strings.ReplaceAll(l, "*", "")))
	l = strings.ReplaceAll(l, "(s)", "")
	l = strings.TrimSpace(strings.TrimSuffix(l, "."))
	if _, ok := statementLabels[l]; ok {
		return l
	}
	if rest, ok := strings.CutPrefix(l, "from "); ok {
		if _, ok := statementLabels[rest]; ok {
			return rest
		}
	}
	if strings.HasSuffix(l, "s") {
		if _, ok := statementLabels[strings.TrimSuffix(l, "s")]; ok {
			return strings.TrimSuffix(l, "s")
		}
	}
	return l
}

// scanFields reads the field block out of text. Lines quoted with ">" must already be gone.
func scanFields(text string) fields {
	fs := fields{first: map[string]field{}, all: map[string][]field{}}
	var cur *field
	flush := func() {
		if cur == nil {
			return
		}
		if cur.key != "ignore" && cur.key != "" {
			if _, ok := fs.first[cur.key]; !ok {
				fs.first[cur.key] = *cur
			}
			fs.all[cur.key] = append(fs.all[cur.key], *cur)
		}
		cur = nil
	}
	inBody := false
	awaiting := false // cur's label stood alone: its value is the next paragraph (Word tables)
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			if cur != nil && cur.value == "" && len(cur.more) == 0 && valueExpected[cur.key] {
				awaiting = true
				continue
			}
			flush()
			continue
		}
		if awaiting {
			awaiting = false
			if strings.IndexByte(line, ':') < 0 || labelLine.FindStringSubmatch(line) == nil {
				cur.value = strings.TrimSpace(line)
				continue
			}
			flush()
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if m := replyByLine(line); m != nil && !strings.Contains(m[2], ":") {
			flush()
			if !inBody {
				cur = &field{key: "deadline", value: strings.TrimSpace(m[2])}
			}
			continue
		}
		var m []string
		if strings.IndexByte(line, ':') >= 0 {
			m = labelLine.FindStringSubmatch(line)
		}
		if m != nil {
			label := canonicalLabel(m[2])
			key, known := statementLabels[label]
			if cur != nil && cur.below && cur.value == "" && !known && !contactSubLine(line) {
				cur.value = strings.TrimSpace(line) // "LS on X: Y" under a bare "TITLE:"
				continue
			}
			// An indented line under an open field is that field's continuation (a 3GPP
			// "Name:" or an ITU "E-mail:"), unless it is itself a statement label at a
			// shallow indent.
			if cur != nil && indent > 0 && (!known || indent > 4) {
				cur.more = append(cur.more, strings.TrimSpace(line))
				continue
			}
			// A contact block whose indentation was lost (HTML laid out with CSS margins)
			// still continues with its Name:/E-mail:/Tel: lines.
			if cur != nil && !known && (cur.key == "technical" || cur.key == "response") && contactSubLine(line) {
				cur.more = append(cur.more, strings.TrimSpace(line))
				continue
			}
			if known && indent <= 4 {
				flush()
				if inBody && key != "attachments" {
					continue
				}
				if key == "body" {
					inBody = true
				}
				cur = &field{key: key, value: strings.TrimSpace(m[3])}
				cur.below = cur.value == "" && valueExpected[key]
				continue
			}
			if indent <= 4 && len(strings.Fields(m[2])) <= 4 {
				flush() // another label ("Keywords:") ends the field before it
				continue
			}
		}
		if cur != nil && indent > 0 {
			cur.more = append(cur.more, strings.TrimSpace(line))
			continue
		}
		if cur != nil && (cur.key == "technical" || cur.key == "response") && !inBody && len(strings.TrimSpace(line)) <= 60 {
			// A contact block goes on over short lines (name, organisation, country) whose
			// indent a table cell or merged cell lost.
			cur.more = append(cur.more, strings.TrimSpace(line))
			continue
		}
		if cur != nil && !inBody && i+1 < len(lines) && knownLabelLine(lines[i+1]) {
			// A line between two fields continues the first: a title wrapped by a PDF or
			// Word layout that lost its indentation.
			cur.more = append(cur.more, strings.TrimSpace(line))
			continue
		}
		if cur != nil && cur.below {
			if cur.value == "" {
				cur.value = strings.TrimSpace(line)
			} else {
				cur.more = append(cur.more, strings.TrimSpace(line))
			}
			continue
		}
		flush()
	}
	flush()
	return fs
}

// knownLabelLine reports whether line starts a statement field.
func knownLabelLine(line string) bool {
	if strings.IndexByte(line, ':') < 0 {
		return false
	}
	m := labelLine.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	_, ok := statementLabels[canonicalLabel(m[2])]
	return ok
}

// countLabels is how many different statement labels text carries: how much it looks like
// a statement's field block.
func countLabels(text string) int {
	return evidenceCount(scanFields(text))
}

// evidenceCount is how many different statement labels fs holds.
func evidenceCount(fs fields) int {
	n := 0
	for _, k := range evidenceKeys {
		if fs.has(k) {
			n++
		}
	}
	return n
}

// collapseSpace turns every run of white space (no-break spaces included) into one space
// and trims the ends.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// emptyValue reports whether a field value means "nothing": "-", "N/A", "none", "TBD".
func emptyValue(v string) bool {
	v = strings.ToLower(strings.Trim(collapseSpace(v), " .;"))
	switch v {
	case "", "-", "--", "—", "–", "n/a", "na", "none", "nil", "tbd", "void", "no", "not applicable", "no deadline":
		return true
	}
	return false
}

// replyByLine matches the Datatracker's "Please reply by <date>" line, which has no colon.
func replyByLine(line string) []string {
	t := strings.TrimLeft(line, " \t")
	if len(t) < 8 || (t[0] != 'p' && t[0] != 'P' && t[0] != 'r' && t[0] != 'R') {
		return nil
	}
	return pleaseReplyBy.FindStringSubmatch(line)
}

// contactSubLine reports whether a line belongs to a contact block: a Name/E-mail/Tel/Fax/
// Organisation label, or an address after another label ("Carrier Corp. E-mail: a@b").
func contactSubLine(line string) bool {
	t := strings.TrimSpace(line)
	return subLabelRe.MatchString(t) || emailRe.MatchString(t)
}
