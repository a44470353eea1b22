// Package corpus reads the expectations of the sample mails (corpus SCHEMA.md) and compares
// values the way the corpus README says: one reading for the parser's and the daemon's tests.
//
// It holds test support only; nothing in the daemon imports it.
package corpus

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"

	liaisond "github.com/ietf-tools/liaisond"
)

// Expectation is a case's .json: what a careful coordinator records from the .eml.
type Expectation struct {
	Case      string   `json:"case"`
	MessageID string   `json:"message_id"`
	IsLiaison bool     `json:"is_liaison"`
	ShouldAck bool     `json:"should_ack"`
	AckTo     []string `json:"ack_to"`
	Title     *string  `json:"title"`
	FromOrg   *string  `json:"from_org"`
	FromGroup *string  `json:"from_group"`
	ToGroups  []string `json:"to_groups"`
	Sender    *struct {
		Name  *string `json:"name"`
		Email string  `json:"email"`
	} `json:"sender"`
	Contacts *struct {
		Response  []string `json:"response"`
		Technical []string `json:"technical"`
		Cc        []string `json:"cc"`
	} `json:"contacts"`
	Purpose     *string `json:"purpose"`
	Deadline    *string `json:"deadline"`
	Attachments []struct {
		Filename      string  `json:"filename"`
		ContentType   string  `json:"content_type"`
		Size          *int64  `json:"size"`
		SHA256        *string `json:"sha256"`
		Optional      bool    `json:"optional"`
		FilenameCheck string  `json:"filename_check"`
	} `json:"attachments"`
	ForwardedBy *string `json:"forwarded_by"`
	DuplicateOf *string `json:"duplicate_of"`
	Delivery    struct {
		Channel  string   `json:"channel"`
		Mailbox  string   `json:"mailbox"`
		MailFrom *string  `json:"mail_from"`
		RcptTo   []string `json:"rcpt_to"`
	} `json:"delivery"`
	Outcome      string          `json:"outcome"`
	ScoredFields []string        `json:"scored_fields"`
	Aliases      json.RawMessage `json:"aliases"`
	BodyContains []string        `json:"body_contains"`
	Checks       []string        `json:"checks"`
}

// Aliases are the other acceptable values of a case.
type Aliases struct {
	Title     []string            `json:"title"`
	FromOrg   []string            `json:"from_org"`
	FromGroup []string            `json:"from_group"`
	Purpose   []string            `json:"purpose"`
	ToGroups  map[string][]string `json:"to_groups"`
}

// ParseAliases reads the case's aliases; none when absent.
func (e Expectation) ParseAliases() Aliases {
	var a Aliases
	_ = json.Unmarshal(e.Aliases, &a)
	return a
}

var wsRun = regexp.MustCompile(`\s+`)

// Text normalises text: NFC, no-break spaces as spaces, white space collapsed, trimmed,
// case-folded.
func Text(s string) string {
	s = norm.NFC.String(strings.ReplaceAll(s, "\u00a0", " "))
	return strings.ToLower(strings.TrimSpace(wsRun.ReplaceAllString(s, " ")))
}

// Group normalises a group: Text, then no leading "ietf " and no trailing " wg",
// " working group" or " area".
func Group(s string) string {
	s = strings.TrimPrefix(Text(s), "ietf ")
	for _, suf := range []string{" wg", " working group", " area"} {
		s = strings.TrimSuffix(s, suf)
	}
	return s
}

// Emails normalises addresses into a sorted set.
func Emails(l []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, e := range l {
		n := liaisond.NormalEmail(e)
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// OneOf reports whether got equals want or one of alts under the normalisation n.
func OneOf(got, want string, alts []string, n func(string) string) bool {
	if n(got) == n(want) {
		return true
	}
	for _, a := range alts {
		if n(got) == n(a) {
			return true
		}
	}
	return false
}

// SafeName reports whether an attachment name is safe: non-empty, without /, \ or NUL, no
// ".." segment, not starting with a dot.
func SafeName(n string) bool {
	if n == "" || strings.ContainsAny(n, "/\\\x00") || strings.HasPrefix(n, ".") {
		return false
	}
	for _, seg := range strings.FieldsFunc(n, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return false
		}
	}
	return true
}
