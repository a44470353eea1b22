package parse

import "strings"

// unflow joins the soft line breaks of format=flowed text (RFC 3676): a line that ends in a
// space continues on the next one (without that space when delsp=yes). Space-stuffing is
// removed; quoted lines join only with lines of the same quote depth; the signature
// separator "-- " is never joined.
func unflow(text string, delsp bool) string {
	lines := strings.Split(text, "\n")
	var b strings.Builder
	b.Grow(len(text))
	joining, depth := false, 0
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		d := 0
		for d < len(l) && l[d] == '>' {
			d++
		}
		content := l[d:]
		spaced := strings.HasPrefix(content, " ")
		content = strings.TrimPrefix(content, " ") // space-stuffing, or the space after ">"
		if joining && d != depth {
			b.WriteByte('\n') // a soft break cannot cross quote depths
			joining = false
		}
		if !joining {
			b.WriteString(strings.Repeat(">", d))
			if d > 0 && spaced {
				b.WriteByte(' ')
			}
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delsp {
			content = content[:len(content)-1]
		}
		b.WriteString(content)
		joining, depth = soft, d
		if !soft && i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
