package doctext

import (
	"bytes"
	"errors"
	"strconv"
)

// PDF object model: nil (null), bool, float64, pdfName, pdfString, pdfArray,
// pdfDict, pdfRef, *pdfStream, and pdfKeyword for operators and keywords.
type (
	pdfName    string
	pdfString  string
	pdfKeyword string
	pdfArray   []any
	pdfDict    map[pdfName]any
	pdfRef     struct{ num, gen int }
	pdfStream  struct {
		dict pdfDict
		raw  []byte
	}
)

// maxNesting bounds nesting of arrays and dictionaries.
const maxNesting = 64

var errSyntax = errors.New("pdf syntax")

// pdfLexer reads PDF values from b starting at pos. In object mode it
// recognises "n g R" references; content streams have none.
type pdfLexer struct {
	b       []byte
	pos     int
	objMode bool
	// tok is where the last token read started; after a syntax error,
	// scanning resumes there so that no byte is lexed more than twice.
	tok int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isPDFSpace(c) && !isPDFDelim(c) }

func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isPDFSpace(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// value reads one value. Keywords (operators, "obj", "endobj", "stream",
// stray delimiters) come back as pdfKeyword; at the end of input it returns
// errSyntax.
func (l *pdfLexer) value(depth int) (any, error) {
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, errSyntax
	}
	l.tok = l.pos
	if depth > maxNesting {
		return nil, errSyntax
	}
	c := l.b[l.pos]
	switch {
	case c == '/':
		return l.name(), nil
	case c == '(':
		return l.literal(), nil
	case c == '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			return l.dict(depth)
		}
		return l.hex(), nil
	case c == '[':
		l.pos++
		return l.array(depth)
	case c == '>' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '>':
		l.pos += 2
		return pdfKeyword(">>"), nil
	case isPDFDelim(c):
		l.pos++
		return pdfKeyword(string(c)), nil
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
		return l.number(), nil
	}
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	switch w := l.b[start:l.pos]; string(w) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	default:
		if len(w) > 32 {
			w = w[:32]
		}
		return pdfKeyword(w), nil
	}
}

func (l *pdfLexer) number() any {
	start := l.pos
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
			l.pos++
			continue
		}
		break
	}
	f := parseNum(l.b[start:l.pos])
	if !l.objMode || f < 0 || f != float64(int(f)) || f > 1<<30 || bytes.IndexByte(l.b[start:l.pos], '.') >= 0 {
		return f
	}
	// Look ahead for "gen R".
	save := l.pos
	l.skipSpace()
	gs := l.pos
	for l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '9' && l.pos-gs < 6 {
		l.pos++
	}
	if l.pos > gs && l.pos < len(l.b) && isPDFSpace(l.b[l.pos]) {
		gen, _ := strconv.Atoi(string(l.b[gs:l.pos]))
		l.skipSpace()
		if l.pos < len(l.b) && l.b[l.pos] == 'R' && (l.pos+1 == len(l.b) || !isRegular(l.b[l.pos+1])) {
			l.pos++
			return pdfRef{int(f), gen}
		}
	}
	l.pos = save
	return f
}

// parseNum parses a PDF number leniently ("-.5", "4.", "--3" ...); junk is 0.
func parseNum(s []byte) float64 {
	neg := false
	i := 0
	for i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = neg != (s[i] == '-')
		i++
	}
	var v, scale float64 = 0, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if scale == 0 {
				v = v*10 + float64(c-'0')
			} else {
				scale /= 10
				v += float64(c-'0') * scale
			}
		case c == '.' && scale == 0:
			scale = 1
		default:
			i = len(s)
		}
	}
	if v > 1e15 {
		v = 1e15
	}
	if neg {
		v = -v
	}
	return v
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *pdfLexer) name() pdfName {
	l.pos++ // '/'
	var sb []byte
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		c := l.b[l.pos]
		if c == '#' && l.pos+2 < len(l.b) {
			h, ok1 := unhex(l.b[l.pos+1])
			lo, ok2 := unhex(l.b[l.pos+2])
			if ok1 && ok2 {
				sb = append(sb, h<<4|lo)
				l.pos += 3
				continue
			}
		}
		sb = append(sb, c)
		l.pos++
	}
	return pdfName(sb)
}

func (l *pdfLexer) literal() pdfString {
	l.pos++ // '('
	var sb []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pdfString(sb)
			}
		case '\r':
			if l.pos < len(l.b) && l.b[l.pos] == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			if l.pos >= len(l.b) {
				return pdfString(sb)
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		sb = append(sb, c)
	}
	return pdfString(sb)
}

func (l *pdfLexer) hex() pdfString {
	l.pos++ // '<'
	end := l.pos
	for end < len(l.b) && l.b[end] != '>' {
		end++
	}
	sb := asciiHex(l.b[l.pos:end])
	l.pos = min(end+1, len(l.b)) // past '>'
	return pdfString(sb)
}

func (l *pdfLexer) array(depth int) (any, error) {
	var a pdfArray
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return a, errSyntax
		}
		if l.b[l.pos] == ']' {
			l.pos++
			return a, nil
		}
		v, err := l.value(depth + 1)
		if err != nil {
			return a, err
		}
		if _, ok := v.(pdfKeyword); ok {
			return a, errSyntax
		}
		a = append(a, v)
	}
}

func (l *pdfLexer) dict(depth int) (any, error) {
	d := pdfDict{}
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return d, errSyntax
		}
		if l.b[l.pos] == '>' {
			l.pos++
			if l.pos < len(l.b) && l.b[l.pos] == '>' {
				l.pos++
			}
			return d, nil
		}
		if l.b[l.pos] != '/' {
			return d, errSyntax
		}
		k := l.name()
		v, err := l.value(depth + 1)
		if err != nil {
			return d, err
		}
		if _, ok := v.(pdfKeyword); ok {
			return d, errSyntax
		}
		d[k] = v
	}
}
