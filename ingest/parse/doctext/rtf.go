package doctext

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// rtfSkip are the destinations whose text is not the document's: tables of fonts,
// colours and styles, metadata, pictures, objects, fields' instructions.
var rtfSkip = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"object": true, "fldinst": true, "themedata": true, "colorschememapping": true,
	"latentstyles": true, "datastore": true, "xmlnstbl": true, "listtable": true,
	"listoverridetable": true, "rsidtbl": true, "generator": true, "header": true,
	"footer": true, "headerl": true, "headerr": true, "footerl": true, "footerr": true,
	"bkmkstart": true, "bkmkend": true, "filetbl": true, "revtbl": true, "pgdsctbl": true,
}

// rtfSymbols are the control words that stand for a character.
var rtfSymbols = map[string]string{
	"ldblquote": "\u201c", "rdblquote": "\u201d", "lquote": "\u2018", "rquote": "\u2019",
	"endash": "\u2013", "emdash": "\u2014", "bullet": "\u2022", "tab": "\t",
	"emspace": " ", "enspace": " ", "qmspace": " ", "~": "\u00a0",
}

// rtfState is what a group inherits from its parent.
type rtfState struct {
	skip bool // inside a destination that is not text
	uc   int  // characters to skip after \uN
}

// ReadRTF extracts the text of an RTF document: paragraphs as lines, table rows laid out
// as "Label: value" lines like the other readers. \'hh is read in the document's code
// page (Windows-1252 when it names none or another), \uN as Unicode. Input over limit
// bytes (DefaultLimit when limit <= 0) is refused with ErrTooLarge.
func ReadRTF(data []byte, limit int64) (doc Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = Document{}, fmt.Errorf("rtf: %w: %v", ErrFormat, r)
		}
	}()
	if limit <= 0 {
		limit = DefaultLimit
	}
	if int64(len(data)) > limit {
		return Document{}, fmt.Errorf("rtf: %d bytes: %w", len(data), ErrTooLarge)
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(`{\rtf`)) {
		return Document{}, fmt.Errorf("rtf: no {\\rtf header: %w", ErrFormat)
	}
	r := rtfReader{src: data, b: newBuilder(len(data) + 64), st: rtfState{uc: 1}}
	r.run()
	return Document{Text: r.b.String(), Title: r.title}, nil
}

type rtfReader struct {
	src     []byte
	pos     int
	b       *builder
	st      rtfState
	stack   []rtfState
	pending []byte // \'hh bytes not yet decoded
	skipN   int    // fallback characters still to skip after \uN
	inTable bool   // a row was started and not ended by a paragraph outside tables
	inRow   bool
	intbl   bool // the current paragraph is in a table
	title   string
	inTitle bool
}

func (r *rtfReader) run() {
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch c {
		case '{':
			r.flush()
			r.stack = append(r.stack, r.st)
			r.pos++
			if bytes.HasPrefix(r.src[r.pos:], []byte(`\*`)) {
				r.st.skip = true // an ignorable destination
			}
		case '}':
			r.flush()
			if n := len(r.stack); n > 0 {
				r.st = r.stack[n-1]
				r.stack = r.stack[:n-1]
			}
			r.inTitle = false
			r.pos++
		case '\\':
			r.control()
		case '\r', '\n':
			r.pos++
		default:
			i := r.pos
			for i < len(r.src) && r.src[i] != '{' && r.src[i] != '}' && r.src[i] != '\\' && r.src[i] != '\r' && r.src[i] != '\n' {
				i++
			}
			r.emitBytes(r.src[r.pos:i])
			r.pos = i
		}
	}
	r.flush()
	if r.inTable {
		r.b.endTable()
	}
}

// control reads one control word or symbol at r.pos.
func (r *rtfReader) control() {
	r.pos++
	if r.pos >= len(r.src) {
		return
	}
	c := r.src[r.pos]
	if !isASCIILetter(c) {
		r.pos++
		switch c {
		case '\'':
			if r.pos+2 <= len(r.src) {
				if v, err := strconv.ParseUint(string(r.src[r.pos:r.pos+2]), 16, 8); err == nil {
					r.pos += 2
					if r.skipN > 0 {
						r.skipN--
						return
					}
					if !r.st.skip {
						r.pending = append(r.pending, byte(v))
					}
				}
			}
		case '\\', '{', '}':
			r.emitBytes([]byte{c})
		case '~':
			r.emit("\u00a0")
		case '-', '_':
			if c == '_' {
				r.emit("-")
			}
		case '*':
		case '\r', '\n':
			r.word("par", 0, false)
		}
		return
	}
	start := r.pos
	for r.pos < len(r.src) && isASCIILetter(r.src[r.pos]) {
		r.pos++
	}
	name := string(r.src[start:r.pos])
	n, has := 0, false
	if r.pos < len(r.src) && (r.src[r.pos] == '-' || r.src[r.pos] >= '0' && r.src[r.pos] <= '9') {
		s := r.pos
		r.pos++
		for r.pos < len(r.src) && r.src[r.pos] >= '0' && r.src[r.pos] <= '9' && r.pos-s < 10 {
			r.pos++
		}
		n, _ = strconv.Atoi(string(r.src[s:r.pos]))
		has = true
	}
	if r.pos < len(r.src) && r.src[r.pos] == ' ' {
		r.pos++ // the delimiter belongs to the word
	}
	r.word(name, n, has)
}

// word acts on control word name with parameter n.
func (r *rtfReader) word(name string, n int, has bool) {
	if rtfSkip[name] {
		r.flush()
		r.st.skip = true
		return
	}
	if name == "title" && len(r.stack) > 0 {
		r.inTitle = true
		return
	}
	switch name {
	case "uc":
		r.st.uc = n
		return
	case "u":
		if n < 0 {
			n += 65536
		}
		r.emit(string(rune(n)))
		r.skipN = r.st.uc
		return
	}
	if r.st.skip {
		return
	}
	if s, ok := rtfSymbols[name]; ok {
		r.emit(s)
		return
	}
	switch name {
	case "par", "line", "sect", "page":
		r.flush()
		if r.inTable && !r.intbl && name == "par" {
			r.b.endTable()
			r.inTable = false
		}
		r.b.endLine(name == "par")
	case "pard":
		r.intbl = false
	case "intbl":
		r.intbl = true
	case "trowd":
		r.openRow()
	case "cell":
		r.openRow()
		r.b.endCell()
		r.b.startCell()
	case "row":
		r.flush()
		if r.inRow {
			r.b.endCell()
			r.b.endRow()
			r.inRow = false
		}
	}
}

// openRow starts a table and a row with its first cell, unless they are open: RTF marks
// where rows end, not always where they begin.
func (r *rtfReader) openRow() {
	r.flush()
	if !r.inTable {
		r.b.startTable()
		r.inTable = true
	}
	if !r.inRow {
		r.b.startRow()
		r.b.startCell()
		r.inRow = true
	}
}

func (r *rtfReader) emitBytes(p []byte) {
	for len(p) > 0 && r.skipN > 0 {
		p = p[1:]
		r.skipN--
	}
	if len(p) == 0 || r.st.skip && !r.inTitle {
		return
	}
	r.flush()
	r.emit(string(p))
}

func (r *rtfReader) emit(s string) {
	if r.inTitle {
		r.title += s
		return
	}
	if r.st.skip {
		return
	}
	r.flush()
	if s == "\t" {
		r.b.tab()
		return
	}
	r.b.text(s)
}

// flush decodes the \'hh bytes collected so far (Windows-1252: what \ansicpg1252 and the
// default \ansi mean in practice).
func (r *rtfReader) flush() {
	if len(r.pending) == 0 {
		return
	}
	p := r.pending
	r.pending = nil
	s, err := charmap.Windows1252.NewDecoder().Bytes(p)
	if err != nil {
		s = p
	}
	if r.inTitle {
		r.title += string(s)
		return
	}
	r.b.text(strings.ToValidUTF8(string(s), "\uFFFD"))
}
