package parse

import (
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
)

// rfc2231Param matches one extended parameter: name*=..., name*0=..., name*0*=....
var rfc2231Param = regexp.MustCompile(`(?i)(?:^|;)\s*([a-z]+)\*(\d*)(\*?)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)`)

// rfc2231Value decodes an RFC 2231 parameter (filename, name) from a raw header value in any
// charset: Go's mime package reads only UTF-8 and US-ASCII ones and drops the rest.
func rfc2231Value(raw, name string) string {
	type seg struct {
		n       int
		encoded bool
		v       string
	}
	var segs []seg
	for _, m := range rfc2231Param.FindAllStringSubmatch(raw, -1) {
		if !strings.EqualFold(m[1], name) {
			continue
		}
		n := 0
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		v := m[4]
		if strings.HasPrefix(v, `"`) {
			v = strings.ReplaceAll(strings.Trim(v, `"`), `\"`, `"`)
		}
		// A bare name*= is encoded; name*N* is encoded, name*N is not.
		segs = append(segs, seg{n, m[3] == "*" || m[2] == "", v})
	}
	if len(segs) == 0 {
		return ""
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].n < segs[j].n })
	charset := "utf-8"
	var b strings.Builder
	for i, s := range segs {
		v := s.v
		if i == 0 && s.encoded {
			if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
				if parts[0] != "" {
					charset = parts[0]
				}
				v = parts[2]
			}
		}
		if s.encoded {
			if d, err := url.PathUnescape(v); err == nil {
				v = d
			}
		}
		b.WriteString(v)
	}
	return decodeCharset(b.String(), charset)
}

// decodeCharset converts s from charset to UTF-8; unknown charsets read as Windows-1252.
func decodeCharset(s, charset string) string {
	if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	if message.CharsetReader != nil {
		if r, err := message.CharsetReader(charset, strings.NewReader(s)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return string(out)
			}
		}
	}
	return cleanText([]byte(s))
}
