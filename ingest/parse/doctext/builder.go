package doctext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTableDepth bounds table nesting: deeper tables are read as plain
// blocks, which keeps the work linear (each nesting level copies its text
// once).
const maxTableDepth = 16

// cell accumulates lines of text: the document itself or one table cell.
type cell struct {
	lines    []string
	cur      strings.Builder
	space    bool // a collapsed space is pending before the next text
	started  bool // the current line has content (maybe only a non-breaking space)
	hasTable bool // a (nested) table was written into this cell
	// lead counts the no-break spaces before a line's first text: Outlook and Gmail indent
	// with them, and indented lines continue a field's value.
	lead int
}

type table struct {
	row      []*cell
	inRow    bool
	cellOpen bool
}

// builder collects text into lines, laying out table rows as
// "label: value" lines. Whitespace inside a line is collapsed.
type builder struct {
	stack  []*cell // stack[0] is the document; open table cells above it
	tables []*table
	// flat counts tables opened beyond maxTableDepth, read as plain blocks.
	flat int
	// n counts bytes of text accepted; text past max is dropped.
	n, max int
}

func newBuilder(max int) *builder {
	return &builder{stack: []*cell{{}}, max: max}
}

func (b *builder) top() *cell { return b.stack[len(b.stack)-1] }

func isSpaceRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', 0xA0, 0x2007, 0x202F, 0x200B, 0xFEFF:
		return true
	}
	return unicode.IsSpace(r)
}

// text appends running text; runs of white space (including non-breaking
// spaces) become a single space. Control characters are dropped.
func (b *builder) text(s string) {
	if b.n >= b.max {
		return
	}
	c := b.top()
	for _, r := range s {
		if isSpaceRune(r) {
			if c.cur.Len() > 0 {
				c.space = true
			}
			if r == 0xA0 {
				c.started = true
				if c.cur.Len() == 0 {
					c.lead++
				}
			}
			continue
		}
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			continue
		}
		if c.cur.Len() == 0 && c.lead >= 2 {
			for i := 0; i < min(c.lead, 64) && b.n < b.max; i++ {
				c.cur.WriteByte(' ')
				b.n++
			}
			c.space = false
		}
		if c.space {
			c.cur.WriteByte(' ')
			c.space = false
			b.n++
		}
		n, _ := c.cur.WriteRune(r)
		b.n += n
		c.started = true
		if b.n >= b.max {
			return
		}
	}
}

// indent starts the current line with n spaces (preformatted text).
func (b *builder) indent(n int) {
	c := b.top()
	for i := 0; i < n && b.n < b.max; i++ {
		c.cur.WriteByte(' ')
		b.n++
	}
	c.started = true
}

// tab appends a tab character (DOCX w:tab), swallowing a pending space.
func (b *builder) tab() {
	if b.n >= b.max {
		return
	}
	c := b.top()
	c.space = false
	c.cur.WriteByte('\t')
	c.started = true
	b.n++
}

// endLine finishes the current line. An empty line is kept only when force
// is set (<br>, an empty DOCX paragraph) or the line held a non-breaking
// space (Outlook's <p>&nbsp;</p> blank lines).
func (b *builder) endLine(force bool) {
	c := b.top()
	line := strings.TrimRight(c.cur.String(), " \t")
	if strings.TrimLeft(line, " \t") == "" {
		line = ""
	}
	if line != "" || c.started || force {
		c.lines = append(c.lines, line)
		b.n++
	}
	c.cur.Reset()
	c.space = false
	c.started = false
	c.lead = 0
}

// block marks a block boundary: it ends a non-empty line.
func (b *builder) block() { b.endLine(false) }

func (b *builder) curTable() *table {
	if len(b.tables) == 0 {
		return nil
	}
	return b.tables[len(b.tables)-1]
}

func (b *builder) startTable() {
	b.block()
	if len(b.tables) >= maxTableDepth {
		b.flat++
		return
	}
	b.top().hasTable = true
	b.tables = append(b.tables, &table{})
}

func (b *builder) startRow() {
	t := b.curTable()
	if t == nil || b.flat > 0 {
		b.block()
		return
	}
	b.endRow()
	t.inRow = true
}

func (b *builder) startCell() {
	t := b.curTable()
	if t == nil || b.flat > 0 {
		b.block()
		return
	}
	b.endCell()
	t.inRow = true
	c := &cell{}
	t.row = append(t.row, c)
	t.cellOpen = true
	b.stack = append(b.stack, c)
}

func (b *builder) endCell() {
	t := b.curTable()
	if t == nil || b.flat > 0 {
		b.block()
		return
	}
	if !t.cellOpen {
		return
	}
	b.endLine(false)
	b.stack = b.stack[:len(b.stack)-1]
	t.cellOpen = false
}

func (b *builder) endRow() {
	t := b.curTable()
	if t == nil || b.flat > 0 {
		b.block()
		return
	}
	b.endCell()
	if !t.inRow {
		return
	}
	lines := layoutRow(t.row)
	t.row = t.row[:0]
	t.inRow = false
	out := b.top()
	for _, l := range lines {
		out.lines = append(out.lines, l)
		b.n += 2 // indentation and newline added by layoutRow
	}
}

func (b *builder) endTable() {
	if b.flat > 0 {
		b.flat--
		b.block()
		return
	}
	if b.curTable() == nil {
		b.block()
		return
	}
	b.endRow()
	b.tables = b.tables[:len(b.tables)-1]
}

// String closes everything still open and returns the text: lines joined by
// newlines, runs of blank lines collapsed to one, no leading or trailing
// blank lines, a final newline when non-empty.
func (b *builder) String() string {
	for len(b.tables) > 0 || b.flat > 0 {
		b.endTable()
	}
	b.endLine(false)
	return joinLines(b.stack[0].lines)
}

// joinLines lays lines out as text: runs of blank lines become one, no leading or trailing
// blank lines, a final newline when non-empty, valid UTF-8.
func joinLines(lines []string) string {
	var sb strings.Builder
	blank := false
	for _, l := range lines {
		if l == "" {
			blank = sb.Len() > 0
			continue
		}
		if blank {
			sb.WriteByte('\n')
			blank = false
		}
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return strings.ToValidUTF8(sb.String(), "\uFFFD")
}

// isLabel reports whether s reads like a field label without its colon:
// short, starting with a letter, a few words, no sentence punctuation.
func isLabel(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 40 || strings.ContainsAny(s, ":.!?;,@<>()[]") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) {
		return false
	}
	return len(strings.Fields(s)) <= 5
}

func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// layoutRow turns the cells of one table row into lines. Empty cells are
// skipped. A row of one cell, or one holding a nested table, yields its
// cells' lines in order. Otherwise the first lines of the cells are joined
// on one line: after a cell ending in ':' with a space, after a short label
// first cell with ": ", else with a tab; later lines of value cells follow
// indented by two spaces, as continuation lines. A row of label/value pairs
// (4, 6, ... cells whose even cells end in ':') yields one line per pair.
func layoutRow(row []*cell) []string {
	var cells [][]string
	nested := false
	for _, c := range row {
		l := trimBlank(c.lines)
		if len(l) == 0 {
			continue
		}
		cells = append(cells, l)
		nested = nested || c.hasTable
	}
	if len(cells) == 0 {
		return nil
	}
	if len(cells) == 1 || nested {
		var out []string
		for _, c := range cells {
			out = append(out, c...)
		}
		return out
	}
	if len(cells)%2 == 0 {
		pairs := true
		for i := 0; i < len(cells); i += 2 {
			if len(cells[i]) != 1 || !strings.HasSuffix(cells[i][0], ":") {
				pairs = false
				break
			}
		}
		if pairs {
			var out []string
			for i := 0; i < len(cells); i += 2 {
				out = append(out, joinCells(cells[i:i+2])...)
			}
			return out
		}
	}
	return joinCells(cells)
}

func joinCells(cells [][]string) []string {
	var first strings.Builder
	first.WriteString(cells[0][0])
	for i := 1; i < len(cells); i++ {
		prev := first.String()
		switch {
		case strings.HasSuffix(prev, ":"):
			first.WriteByte(' ')
		case i == 1 && len(cells[0]) == 1 && isLabel(prev):
			first.WriteString(": ")
		default:
			first.WriteByte('\t')
		}
		first.WriteString(cells[i][0])
	}
	out := []string{first.String()}
	for i, c := range cells {
		for _, l := range c[1:] {
			if l == "" {
				continue // a blank line would end the field's value
			}
			if i > 0 {
				l = "  " + l
			}
			out = append(out, l)
		}
	}
	return out
}
