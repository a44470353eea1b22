package parse

import (
	"regexp"
	"strings"
)

// idRe finds the document numbers SDOs give their statements: 3GPP Tdocs (S2-2608123,
// C4-185491, SP-170579), BBF LIAISE-439, ITU-T SG15-LS142 / TSAG-LS12 / TD 123, ETSI
// MEC(26)000311, IEEE 802 document numbers (11-26-1842-00-0000).
var idRe = regexp.MustCompile(`\b(?:` +
	`(?:[SCR][1-6]|SP|CP|RP|GP|S[1-6]|C[1-6]|R[1-6])-\d{6,7}` +
	`|LIAISE-\d{2,5}` +
	`|(?:SG\d{1,2}|TSAG|WP\d[A-Z]?)-LS\d{1,4}(?:/r\d?)?` +
	`|TD\s?\d{2,5}(?:/[A-Z0-9]+)?(?:-R\d)?(?:\b)` +
	`|[A-Z]{2,10}\(\d{2}\)\d{6}(?:r\d)?` +
	`|\d{2}-\d{2}-\d{4}-\d{2}-[0-9a-zA-Z]{4}` +
	`|(?:TP|ARC|SEC|PRO|MAS|SDS|TST|RDM|REQ|WPM)-\d{4}-\d{4}(?:R\d{2})?` +
	`)`)

// identifiers collects document numbers from the given texts, in order, without repeats.
func identifiers(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range texts {
		for _, m := range idRe.FindAllString(t, 20) {
			m = strings.Join(strings.Fields(m), " ")
			k := strings.ToUpper(m)
			if !seen[k] {
				seen[k] = true
				out = append(out, m)
			}
		}
	}
	return out
}
