package doctext

import (
	"bytes"
	"html"
	"regexp"
	"strings"
)

// HTML converts an HTML document or fragment (already decoded to UTF-8) into
// readable text lines for the field parser.
//
// Block elements (p, div, br, li, headings, table rows, ...) end lines; the
// cells of a table row share one line, a label cell joined to its value as
// "Label: value" (see the package documentation). Character references are
// decoded and non-breaking spaces become plain spaces; white space inside a
// line collapses to single spaces. The contents of head, script, style,
// title and comments are dropped; unknown and namespaced tags such as
// Outlook's <o:p> are ignored. It never panics, runs in linear time and
// returns at most about len(src) bytes.
func HTML(src []byte) string {
	return htmlText(src)
}

func htmlText(src []byte) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = "" // not reached on any input found so far
		}
	}()
	b := newBuilder(len(src) + 64)
	t := htmlTok{src: src}
	inHead := false
	preDepth := 0
	// A mailto: link whose text is only a name ("Rita Okafor"): its address is written
	// after the text, as a mail client shows it, so contact fields keep it.
	mailto, linkText := "", ""
	for {
		kind, name, text := t.next()
		switch kind {
		case tokEOF:
			return b.String()
		case tokText:
			if inHead {
				continue
			}
			s := html.UnescapeString(string(text))
			if mailto != "" {
				linkText += s
			}
			if preDepth > 0 {
				writePre(b, s)
			} else {
				b.text(s)
			}
		case tokStart, tokEnd:
			end := kind == tokEnd
			switch name {
			case "head":
				inHead = !end
			case "body":
				inHead = false
			case "script", "style", "title", "xmp", "noembed", "noframes", "template", "iframe", "textarea", "object":
				if !end {
					t.skipRaw(name)
				}
			case "pre", "listing", "plaintext":
				b.block()
				if end {
					if preDepth > 0 {
						preDepth--
					}
				} else {
					preDepth++
				}
			case "a":
				if !end {
					mailto, linkText = "", ""
					if m := mailtoHref.FindSubmatch(t.attrs); m != nil {
						mailto = html.UnescapeString(string(m[1]))
					}
				} else if mailto != "" {
					if !strings.Contains(linkText, "@") {
						b.text(" <" + mailto + ">")
					}
					mailto = ""
				}
			case "br":
				b.endLine(true)
			case "table":
				if end {
					b.endTable()
				} else {
					b.startTable()
				}
			case "tr":
				if end {
					b.endRow()
				} else {
					b.startRow()
				}
			case "td", "th":
				if end {
					b.endCell()
				} else {
					b.startCell()
				}
			default:
				if htmlBlock[name] {
					b.block()
				}
			}
		}
	}
}

// writePre writes preformatted text: newlines end lines and each line's
// indentation is kept (indented lines continue a field's value); other
// white space still collapses.
func writePre(b *builder, s string) {
	for {
		line, rest, more := strings.Cut(s, "\n")
		if b.top().cur.Len() == 0 {
			body := strings.TrimLeft(line, " \t\u00a0")
			if n := len(line) - len(body); n > 0 && body != "" {
				b.indent(min(n, 64))
			}
			line = body
		}
		b.text(line)
		if !more {
			return
		}
		b.endLine(true)
		s = rest
	}
}

var htmlBlock = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "caption": true,
	"center": true, "dd": true, "details": true, "dialog": true, "dir": true, "div": true,
	"dl": true, "dt": true, "fieldset": true, "figcaption": true, "figure": true, "footer": true,
	"form": true, "frame": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "header": true, "hgroup": true, "hr": true, "html": true, "legend": true,
	"li": true, "main": true, "menu": true, "nav": true, "ol": true, "option": true,
	"p": true, "section": true, "summary": true, "tbody": true, "tfoot": true, "thead": true,
	"ul": true, "body": true,
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokText
	tokStart
	tokEnd
)

// htmlTok is a small HTML tokenizer: it yields text runs and tag names
// (lower-cased, attributes skipped) and skips comments, doctypes and
// processing instructions. Every step consumes input, so it is linear.
type htmlTok struct {
	src   []byte
	pos   int
	attrs []byte // the attributes of the last start tag
}

// mailtoHref finds the address of a mailto: link among a tag's attributes.
var mailtoHref = regexp.MustCompile(`(?i)\bhref\s*=\s*["']?\s*mailto:([^"'\s>?&]+@[^"'\s>?&]+)`)

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func (t *htmlTok) next() (tokKind, string, []byte) {
	src := t.src
	if t.pos >= len(src) {
		return tokEOF, "", nil
	}
	start := t.pos
	if src[start] != '<' {
		i := bytes.IndexByte(src[start:], '<')
		if i < 0 {
			t.pos = len(src)
		} else {
			t.pos = start + i
		}
		return tokText, "", src[start:t.pos]
	}
	// src[start] == '<'
	if start+1 >= len(src) {
		t.pos = len(src)
		return tokText, "", src[start:]
	}
	c := src[start+1]
	switch {
	case c == '!':
		if bytes.HasPrefix(src[start:], []byte("<!--")) {
			end := bytes.Index(src[start+4:], []byte("-->"))
			if end < 0 {
				t.pos = len(src)
			} else {
				t.pos = start + 4 + end + 3
			}
			return t.next()
		}
		t.skipTo('>', start+2)
		return t.next()
	case c == '?':
		t.skipTo('>', start+2)
		return t.next()
	case c == '/':
		if start+2 < len(src) && isASCIILetter(src[start+2]) {
			name := t.tagName(start + 2)
			t.skipAttrs()
			return tokEnd, name, nil
		}
		// "</>" or "</ bogus>": a bogus comment.
		t.skipTo('>', start+2)
		return t.next()
	case isASCIILetter(c):
		name := t.tagName(start + 1)
		from := t.pos
		t.skipAttrs()
		t.attrs = src[from:t.pos]
		return tokStart, name, nil
	}
	// A lone '<' is text.
	t.pos = start + 1
	return tokText, "", src[start : start+1]
}

// skipTo moves past the next c at or after from, or to the end.
func (t *htmlTok) skipTo(c byte, from int) {
	i := bytes.IndexByte(t.src[from:], c)
	if i < 0 {
		t.pos = len(t.src)
		return
	}
	t.pos = from + i + 1
}

// tagName reads a tag name starting at i and returns it lower-cased.
func (t *htmlTok) tagName(i int) string {
	j := i
	for j < len(t.src) && !isHTMLSpace(t.src[j]) && t.src[j] != '/' && t.src[j] != '>' {
		j++
	}
	t.pos = j
	if j-i > 32 {
		return "" // no tag we act on is that long
	}
	return string(bytes.ToLower(t.src[i:j]))
}

// skipAttrs moves past the end of a tag, honouring quoted attribute values.
func (t *htmlTok) skipAttrs() {
	src := t.src
	i := t.pos
	for i < len(src) {
		switch src[i] {
		case '>':
			t.pos = i + 1
			return
		case '=':
			i++
			for i < len(src) && isHTMLSpace(src[i]) {
				i++
			}
			if i < len(src) && (src[i] == '"' || src[i] == '\'') {
				q := src[i]
				j := bytes.IndexByte(src[i+1:], q)
				if j < 0 {
					t.pos = len(src)
					return
				}
				i += j + 2
			}
			continue
		}
		i++
	}
	t.pos = len(src)
}

// skipRaw skips the raw text of a script-like element up to and including
// its end tag (matched case-insensitively), or to the end of input.
func (t *htmlTok) skipRaw(name string) {
	src := t.src
	i := t.pos
	for {
		j := bytes.Index(src[i:], []byte("</"))
		if j < 0 {
			t.pos = len(src)
			return
		}
		i += j + 2
		if len(src)-i >= len(name) && bytes.EqualFold(src[i:i+len(name)], []byte(name)) {
			k := i + len(name)
			if k == len(src) || isHTMLSpace(src[k]) || src[k] == '>' || src[k] == '/' {
				t.pos = k
				t.skipAttrs()
				return
			}
		}
	}
}
