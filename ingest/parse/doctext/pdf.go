package doctext

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"
)

// PDF returns the text of a PDF document; it is ReadPDF without the title.
func PDF(data []byte, limit int64) (string, error) {
	d, err := ReadPDF(data, limit)
	return d.Text, err
}

// ReadPDF extracts the text of a PDF document, page by page, and the /Title
// of its document information dictionary.
//
// The extractor is self-contained: it finds objects by scanning the file (so
// damaged or truncated cross-reference tables and files without %%EOF still
// read), reads object streams, decodes FlateDecode, ASCIIHex, ASCII85 and
// RunLength streams, and interprets the text operators (Tj, TJ, ', ", Td,
// TD, T*, Tm, Tf, cm, q/Q, form XObjects). Characters are mapped through the
// font's ToUnicode CMap, else its simple encoding (WinAnsi, MacRoman,
// /Differences). Lines are rebuilt from the text positions: a move to a new
// baseline starts a new line (a gap of about two lines gives a blank line),
// a horizontal gap wider than about a fifth of the font size gives a space.
// Pages are separated by a blank line. Scanned pages without a text layer
// yield no text; encrypted files fail with ErrEncrypted.
//
// limit (DefaultLimit if <= 0) bounds len(data), the total bytes
// decompressed from streams (every decoding counts, so repeated use of one
// stream cannot multiply the work) and the text returned; past it ReadPDF
// returns the text extracted so far with an error wrapping ErrTooLarge. Other
// failures wrap ErrFormat. It never panics.
func ReadPDF(data []byte, limit int64) (doc Document, err error) {
	var out *textOut
	defer func() {
		if r := recover(); r != nil {
			if out != nil {
				doc.Text = out.String()
			}
			err = recovered("pdf", r)
		}
	}()
	limit = normLimit(limit)
	if int64(len(data)) > limit {
		return doc, fmt.Errorf("doctext: pdf: %d bytes, over the limit of %d: %w", len(data), limit, ErrTooLarge)
	}
	f, err := scanPDF(data, limit)
	if f == nil {
		return doc, err
	}
	if info := f.dict(f.trailer["Info"]); info != nil {
		if t, ok := f.resolve(info["Title"]).(pdfString); ok {
			doc.Title = strings.Join(strings.Fields(decodePDFString(t)), " ")
		}
	}
	if _, enc := f.trailer["Encrypt"]; enc {
		doc.Title = ""
		return doc, fmt.Errorf("doctext: pdf: text cannot be read: %w", ErrEncrypted)
	}
	if err != nil {
		return doc, err
	}
	out = &textOut{max: int(min(limit, 1<<30))}
	x := &extractor{f: f, out: out, fonts: map[any]*pdfFont{}}
	for i, p := range f.pages() {
		if i > 0 {
			out.pageBreak()
		}
		if err := x.page(p); err != nil {
			doc.Text = out.String()
			return doc, err
		}
		if out.full() {
			break
		}
	}
	doc.Text = out.String()
	if f.err != nil {
		err = f.err
	}
	return doc, err
}

type pdfPage struct {
	dict pdfDict
	res  pdfDict
}

// maxPages bounds the pages read from the page tree.
const maxPages = 1 << 16

// pages lists the pages in page-tree order, with inherited resources. If
// the tree is missing or broken, it falls back to every /Type /Page object
// in object-number order.
func (f *pdfFile) pages() []pdfPage {
	var out []pdfPage
	seen := map[int]bool{}
	var walk func(v any, res pdfDict, depth int)
	walk = func(v any, res pdfDict, depth int) {
		if depth > 64 || len(out) >= maxPages {
			return
		}
		if r, ok := v.(pdfRef); ok {
			if seen[r.num] {
				return
			}
			seen[r.num] = true
		}
		d := f.dict(v)
		if d == nil {
			return
		}
		if r := f.dict(d["Resources"]); r != nil {
			res = r
		}
		kids, isNode := f.resolve(d["Kids"]).(pdfArray)
		if !isNode {
			if t, _ := f.resolve(d["Type"]).(pdfName); t == "Page" || d["Contents"] != nil {
				out = append(out, pdfPage{d, res})
			}
			return
		}
		for _, k := range kids {
			walk(k, res, depth+1)
		}
	}
	if root := f.dict(f.trailer["Root"]); root != nil {
		walk(root["Pages"], nil, 0)
	}
	if len(out) == 0 {
		for _, v := range f.objs {
			if d := f.dict(v); d != nil && d["Type"] == pdfName("Catalog") {
				walk(d["Pages"], nil, 0)
				break
			}
		}
	}
	if len(out) == 0 {
		var nums []int
		for n, v := range f.objs {
			if d, ok := v.(pdfDict); ok && d["Type"] == pdfName("Page") {
				nums = append(nums, n)
			}
		}
		sort.Ints(nums)
		for _, n := range nums[:min(len(nums), maxPages)] {
			d := f.objs[n].(pdfDict)
			out = append(out, pdfPage{d, f.dict(d["Resources"])})
		}
	}
	return out
}

type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (m applied first).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type gstate struct {
	ctm                                      matrix
	font                                     *pdfFont
	size, charSp, wordSp, hscale, lead, rise float64
}

type extractor struct {
	f     *pdfFile
	out   *textOut
	fonts map[any]*pdfFont
	forms map[int]bool // form XObjects being run (cycle guard)
	depth int
	buf   []glyph
}

func (x *extractor) page(p pdfPage) error {
	var content bytes.Buffer
	var streams []any
	switch c := x.f.resolve(p.dict["Contents"]).(type) {
	case *pdfStream:
		streams = []any{c}
	case pdfArray:
		streams = c
	}
	for _, s := range streams {
		st, ok := x.f.resolve(s).(*pdfStream)
		if !ok {
			continue
		}
		data, err := x.f.decode(st)
		if err != nil {
			return err
		}
		content.Write(data)
		content.WriteByte('\n')
	}
	gs := gstate{ctm: identity, hscale: 1}
	return x.run(content.Bytes(), p.res, gs)
}

func (x *extractor) font(res pdfDict, name pdfName) *pdfFont {
	fonts := x.f.dict(res["Font"])
	v := fonts[name]
	key := any(v)
	if _, ok := v.(pdfRef); !ok {
		key = fmt.Sprintf("%p/%s", fonts, name)
	}
	if ft, ok := x.fonts[key]; ok {
		return ft
	}
	ft := x.f.loadFont(v)
	x.fonts[key] = ft
	return ft
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func nums(ops []any, n int) ([]float64, bool) {
	if len(ops) < n {
		return nil, false
	}
	out := make([]float64, n)
	for i, v := range ops[len(ops)-n:] {
		f, ok := v.(float64)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

// run interprets one content stream.
func (x *extractor) run(data []byte, res pdfDict, gs gstate) error {
	l := &pdfLexer{b: data}
	var ops []any
	var stack []gstate
	tm, tlm := identity, identity
	show := func(s pdfString) {
		if gs.font == nil {
			gs.font = x.f.loadFont(nil)
		}
		x.buf = gs.font.decode(s, x.buf)
		for _, g := range x.buf {
			x.out.glyph(g.text, tm.mul(gs.ctm), gs.size)
			w := g.width / 1000 * gs.size * gs.hscale
			// The glyph ends at its width; character and word spacing
			// count as a gap before the next one.
			x.out.end(matrix{1, 0, 0, 1, w, 0}.mul(tm).mul(gs.ctm))
			adv := w + gs.charSp*gs.hscale
			if g.space {
				adv += gs.wordSp * gs.hscale
			}
			tm = matrix{1, 0, 0, 1, adv, 0}.mul(tm)
		}
	}
	nextLine := func() {
		tlm = matrix{1, 0, 0, 1, 0, -gs.lead}.mul(tlm)
		tm = tlm
	}
	for l.pos < len(data) {
		if x.out.full() {
			return nil
		}
		v, err := l.value(0)
		if err != nil {
			if l.pos >= len(data) {
				break
			}
			l.pos = max(l.pos, l.tok+1)
			ops = ops[:0]
			continue
		}
		kw, ok := v.(pdfKeyword)
		if !ok {
			if len(ops) >= 64 {
				ops = ops[:0]
			}
			ops = append(ops, v)
			continue
		}
		switch kw {
		case "q":
			if len(stack) < 64 {
				stack = append(stack, gs)
			}
		case "Q":
			if len(stack) > 0 {
				gs = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if a, ok := nums(ops, 6); ok {
				gs.ctm = matrix{a[0], a[1], a[2], a[3], a[4], a[5]}.mul(gs.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tf":
			if len(ops) >= 2 {
				if name, ok := ops[len(ops)-2].(pdfName); ok {
					gs.font = x.font(res, name)
				}
				gs.size = num(ops[len(ops)-1])
			}
		case "Tc":
			if a, ok := nums(ops, 1); ok {
				gs.charSp = a[0]
			}
		case "Tw":
			if a, ok := nums(ops, 1); ok {
				gs.wordSp = a[0]
			}
		case "Tz":
			if a, ok := nums(ops, 1); ok {
				gs.hscale = a[0] / 100
			}
		case "TL":
			if a, ok := nums(ops, 1); ok {
				gs.lead = a[0]
			}
		case "Ts":
			if a, ok := nums(ops, 1); ok {
				gs.rise = a[0]
			}
		case "Td", "TD":
			if a, ok := nums(ops, 2); ok {
				if kw == "TD" {
					gs.lead = -a[1]
				}
				tlm = matrix{1, 0, 0, 1, a[0], a[1]}.mul(tlm)
				tm = tlm
			}
		case "Tm":
			if a, ok := nums(ops, 6); ok {
				tlm = matrix{a[0], a[1], a[2], a[3], a[4], a[5]}
				tm = tlm
			}
		case "T*":
			nextLine()
		case "Tj", "'", "\"":
			if kw != "Tj" {
				nextLine()
			}
			if kw == "\"" && len(ops) >= 3 {
				gs.wordSp, gs.charSp = num(ops[len(ops)-3]), num(ops[len(ops)-2])
			}
			if len(ops) > 0 {
				if s, ok := ops[len(ops)-1].(pdfString); ok {
					show(s)
				}
			}
		case "TJ":
			if len(ops) > 0 {
				a, _ := ops[len(ops)-1].(pdfArray)
				for _, e := range a {
					switch t := e.(type) {
					case pdfString:
						show(t)
					case float64:
						adv := -t / 1000 * gs.size * gs.hscale
						tm = matrix{1, 0, 0, 1, adv, 0}.mul(tm)
					}
				}
			}
		case "Do":
			if len(ops) > 0 {
				if name, ok := ops[len(ops)-1].(pdfName); ok {
					if err := x.form(res, name, gs); err != nil {
						return err
					}
				}
			}
		case "ID":
			// Inline image data runs to "EI" between white space.
			p := l.pos + 1
			for {
				i := bytes.Index(data[min(p, len(data)):], []byte("EI"))
				if i < 0 {
					l.pos = len(data)
					break
				}
				at := p + i
				p = at + 2
				if at > 0 && isPDFSpace(data[at-1]) && (at+2 == len(data) || isPDFSpace(data[at+2])) {
					l.pos = at + 2
					break
				}
			}
		}
		ops = ops[:0]
	}
	return nil
}

// form runs a form XObject's content.
func (x *extractor) form(res pdfDict, name pdfName, gs gstate) error {
	v := x.f.dict(res["XObject"])[name]
	r, isRef := v.(pdfRef)
	if x.depth >= 12 || (isRef && x.forms[r.num]) {
		return nil
	}
	s, ok := x.f.resolve(v).(*pdfStream)
	if !ok || s.dict["Subtype"] != pdfName("Form") {
		return nil
	}
	data, err := x.f.decode(s)
	if err != nil || data == nil {
		return err
	}
	if a, ok := x.f.resolve(s.dict["Matrix"]).(pdfArray); ok && len(a) == 6 {
		var m matrix
		for i := range m {
			m[i] = num(x.f.resolve(a[i]))
		}
		gs.ctm = m.mul(gs.ctm)
	}
	fres := x.f.dict(s.dict["Resources"])
	if fres == nil {
		fres = res
	}
	if x.forms == nil {
		x.forms = map[int]bool{}
	}
	if isRef {
		x.forms[r.num] = true
		defer delete(x.forms, r.num)
	}
	x.depth++
	defer func() { x.depth-- }()
	return x.run(data, fres, gs)
}

// textOut rebuilds lines from positioned glyphs.
type textOut struct {
	lines []string
	line  strings.Builder
	n     int
	max   int
	// Position where the last glyph ended, the text direction there and
	// the font size, in device space.
	have       bool
	ex, ey     float64
	ux, uy, fs float64
}

func (o *textOut) full() bool { return o.n >= o.max }

func finite(v ...float64) bool {
	for _, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// glyph places text at the origin of trm (the text matrix times the CTM),
// first starting a new line or adding a space if the pen jumped there.
func (o *textOut) glyph(text string, trm matrix, size float64) {
	x, y := trm[4], trm[5]
	fs := math.Abs(size) * math.Hypot(trm[2], trm[3])
	if fs < 0.5 || !finite(fs) {
		fs = 1
	}
	ux, uy := trm[0], trm[1]
	if h := math.Hypot(ux, uy); h > 0 && finite(h) {
		ux, uy = ux/h, uy/h
	} else {
		ux, uy = 1, 0
	}
	if o.have && finite(x, y, o.ex, o.ey) {
		dx, dy := x-o.ex, y-o.ey
		along := dx*o.ux + dy*o.uy
		perp := -dx*o.uy + dy*o.ux
		ref := max(fs, o.fs)
		switch {
		case math.Abs(perp) > 0.5*ref:
			o.newline()
			if math.Abs(perp) > 1.8*ref {
				o.newline()
			}
		case along > 0.18*ref || along < -0.5*ref:
			o.write(" ")
		}
	}
	if text != "" {
		o.write(text)
	}
	o.have = true
	o.ux, o.uy, o.fs = ux, uy, fs
}

// end records where the last glyph ended: the origin of trm after its
// advance. Gaps to the next glyph are measured from there.
func (o *textOut) end(trm matrix) {
	o.ex, o.ey = trm[4], trm[5]
}

// pdfFold spells out typographic ligatures and the minus sign, which PDF
// fonts map to single characters, so that the field parser sees plain words.
var pdfFold = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi",
	"\ufb04", "ffl", "\ufb05", "st", "\ufb06", "st", "\u2212", "-", "\u00ad", "")

func (o *textOut) write(s string) {
	if o.full() {
		return
	}
	if strings.ContainsAny(s, "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06\u2212\u00ad") {
		s = pdfFold.Replace(s)
	}
	for _, r := range s {
		if r == 0xFFFD || r < 0x20 && r != '\t' || r == 0x7F || r >= 0x80 && r < 0xA0 {
			continue
		}
		if isSpaceRune(r) {
			if o.line.Len() == 0 || strings.HasSuffix(o.line.String(), " ") {
				continue
			}
			r = ' '
		}
		n, _ := o.line.WriteRune(r)
		o.n += n
	}
}

func (o *textOut) newline() {
	o.lines = append(o.lines, strings.TrimRight(o.line.String(), " "))
	o.line.Reset()
	o.n++
}

func (o *textOut) pageBreak() {
	o.newline()
	o.newline()
	o.have = false
}

func (o *textOut) String() string {
	if o.line.Len() > 0 {
		o.newline()
	}
	return joinLines(o.lines)
}
