package doctext

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// winAnsiNames are the glyph names of WinAnsiEncoding codes 0x20-0xFF
// ("" where undefined); with winAnsi they give the glyph-name map used for
// /Differences.
var winAnsiNames = strings.Fields(`space exclam quotedbl numbersign dollar percent ampersand quotesingle
parenleft parenright asterisk plus comma hyphen period slash zero one two three four five six seven
eight nine colon semicolon less equal greater question at A B C D E F G H I J K L M N O P Q R S T U V
W X Y Z bracketleft backslash bracketright asciicircum underscore grave a b c d e f g h i j k l m n o p
q r s t u v w x y z braceleft bar braceright asciitilde - Euro - quotesinglbase florin quotedblbase
ellipsis dagger daggerdbl circumflex perthousand Scaron guilsinglleft OE - Zcaron - - quoteleft
quoteright quotedblleft quotedblright bullet endash emdash tilde trademark scaron guilsinglright oe -
zcaron Ydieresis nbspace exclamdown cent sterling currency yen brokenbar section dieresis copyright
ordfeminine guillemotleft logicalnot sfthyphen registered macron degree plusminus twosuperior
threesuperior acute mu paragraph periodcentered cedilla onesuperior ordmasculine guillemotright
onequarter onehalf threequarters questiondown Agrave Aacute Acircumflex Atilde Adieresis Aring AE
Ccedilla Egrave Eacute Ecircumflex Edieresis Igrave Iacute Icircumflex Idieresis Eth Ntilde Ograve
Oacute Ocircumflex Otilde Odieresis multiply Oslash Ugrave Uacute Ucircumflex Udieresis Yacute Thorn
germandbls agrave aacute acircumflex atilde adieresis aring ae ccedilla egrave eacute ecircumflex
edieresis igrave iacute icircumflex idieresis eth ntilde ograve oacute ocircumflex otilde odieresis
divide oslash ugrave uacute ucircumflex udieresis yacute thorn ydieresis`)

// win1252 maps WinAnsiEncoding codes 0x80-0x9F.
var win1252 = []rune("\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd" +
	"\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178")

// macRoman maps MacRomanEncoding codes 0x80-0xFF.
var macRoman = []rune("ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø" +
	"¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ")

// pdfDocHigh maps PDFDocEncoding codes 0x80-0xA0.
var pdfDocHigh = []rune("•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž\ufffd€")

func winAnsiRune(c byte) rune {
	if c >= 0x80 && c < 0xA0 {
		return win1252[c-0x80]
	}
	return rune(c)
}

var glyphNames = func() map[string]rune {
	m := map[string]rune{
		"fi": 'ﬁ', "fl": 'ﬂ', "ff": 'ﬀ', "ffi": 'ﬃ', "ffl": 'ﬄ', "minus": '−', "dotlessi": 'ı',
		"Lslash": 'Ł', "lslash": 'ł', "fraction": '⁄', "caron": 'ˇ', "breve": '˘', "dotaccent": '˙',
		"ring": '˚', "ogonek": '˛', "hungarumlaut": '˝', "quoteright": '\'', "quoteleft": '‘',
		"space": ' ', "nonbreakingspace": ' ', "periodcentered": '·', "middot": '·', "hyphen": '-',
		"sfthyphen": '-', "nbspace": ' ', "Omega": 'Ω', "Delta": 'Δ', "mu": 'µ', "lozenge": '◊',
		"notequal": '≠', "lessequal": '≤', "greaterequal": '≥', "infinity": '∞', "approxequal": '≈',
		"arrowright": '→', "arrowleft": '←', "checkmark": '✓', "filledbox": '■', "openbullet": '◦',
	}
	for i, n := range winAnsiNames {
		if n == "-" {
			continue
		}
		if _, ok := m[n]; !ok {
			m[n] = winAnsiRune(byte(0x20 + i))
		}
	}
	m["quoteright"] = '’'
	return m
}()

// glyphRune maps a glyph name to its character: known names, uniXXXX and
// uXXXX[XX] forms, and suffixed variants like "a.sc" or "f_i".
func glyphRune(name string) (string, bool) {
	if r, ok := glyphNames[name]; ok {
		return string(r), true
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return glyphRune(name[:i])
	}
	if strings.Contains(name, "_") {
		var sb strings.Builder
		for _, part := range strings.Split(name, "_") {
			s, ok := glyphRune(part)
			if !ok {
				return "", false
			}
			sb.WriteString(s)
		}
		return sb.String(), true
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var u []uint16
		for i := 3; i+4 <= len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 16)
			if err != nil {
				return "", false
			}
			u = append(u, uint16(v))
		}
		return string(utf16.Decode(u)), true
	}
	if len(name) >= 5 && len(name) <= 7 && name[0] == 'u' {
		v, err := strconv.ParseUint(name[1:], 16, 32)
		if err == nil && utf8.ValidRune(rune(v)) {
			return string(rune(v)), true
		}
	}
	return "", false
}

// decodePDFString decodes a text string (document info): UTF-16BE or UTF-8
// with a byte-order mark, else PDFDocEncoding.
func decodePDFString(s pdfString) string {
	b := []byte(s)
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return utf16BE(b[2:])
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	}
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c >= 0x80 && c <= 0xA0:
			sb.WriteRune(pdfDocHigh[c-0x80])
		case c >= 0x18 && c < 0x20:
			sb.WriteRune([]rune("˘ˇˆ˙˝˛˚˜")[c-0x18])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

func utf16BE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}

// cmap is a parsed ToUnicode CMap.
type cmap struct {
	space  []codeRange
	single map[uint64]string // key: code | bytes<<32
	ranges []bfRange         // sorted by lo
}

type codeRange struct {
	lo, hi uint32
	n      int
}

type bfRange struct {
	lo, hi uint32
	n      int
	base   []rune   // destination of lo; later codes increment the last rune
	arr    []string // or explicit destinations
}

func codeOf(s pdfString) (uint32, int) {
	var v uint32
	n := min(len(s), 4)
	for i := 0; i < n; i++ {
		v = v<<8 | uint32(s[i])
	}
	return v, n
}

// maxCMapEntries bounds the mappings kept from one CMap.
const maxCMapEntries = 1 << 17

func parseCMap(data []byte) *cmap {
	m := &cmap{single: map[uint64]string{}}
	l := &pdfLexer{b: data}
	var ops []any
	entries := 0
	for l.pos < len(data) {
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
			if len(ops) < 3*maxCMapEntries {
				ops = append(ops, v)
			}
			continue
		}
		switch kw {
		case "endcodespacerange":
			for i := 0; i+1 < len(ops); i += 2 {
				a, _ := ops[i].(pdfString)
				b, _ := ops[i+1].(pdfString)
				lo, n := codeOf(a)
				hi, _ := codeOf(b)
				if n > 0 && len(m.space) < 256 {
					m.space = append(m.space, codeRange{lo, hi, n})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(ops) && entries < maxCMapEntries; i += 2 {
				a, _ := ops[i].(pdfString)
				code, n := codeOf(a)
				if n == 0 {
					continue
				}
				switch d := ops[i+1].(type) {
				case pdfString:
					m.single[uint64(code)|uint64(n)<<32] = utf16BE([]byte(d))
				case pdfName:
					if s, ok := glyphRune(string(d)); ok {
						m.single[uint64(code)|uint64(n)<<32] = s
					}
				}
				entries++
			}
		case "endbfrange":
			for i := 0; i+2 < len(ops) && entries < maxCMapEntries; i += 3 {
				a, _ := ops[i].(pdfString)
				b, _ := ops[i+1].(pdfString)
				lo, n := codeOf(a)
				hi, _ := codeOf(b)
				if n == 0 || hi < lo {
					continue
				}
				r := bfRange{lo: lo, hi: hi, n: n}
				switch d := ops[i+2].(type) {
				case pdfString:
					r.base = []rune(utf16BE([]byte(d)))
					if len(r.base) == 0 {
						continue
					}
				case pdfArray:
					for _, e := range d {
						s, _ := e.(pdfString)
						r.arr = append(r.arr, utf16BE([]byte(s)))
					}
				default:
					continue
				}
				m.ranges = append(m.ranges, r)
				entries++
			}
		}
		ops = ops[:0]
	}
	sort.SliceStable(m.ranges, func(i, j int) bool { return m.ranges[i].lo < m.ranges[j].lo })
	return m
}

func (m *cmap) lookup(code uint32, n int) (string, bool) {
	if s, ok := m.single[uint64(code)|uint64(n)<<32]; ok {
		return s, true
	}
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].lo > code })
	for k := i - 1; k >= 0 && k >= i-8; k-- {
		r := &m.ranges[k]
		if code < r.lo || code > r.hi || r.n != n {
			continue
		}
		off := code - r.lo
		if r.arr != nil {
			if int(off) < len(r.arr) {
				return r.arr[off], true
			}
			return "", false
		}
		out := append([]rune(nil), r.base...)
		out[len(out)-1] += rune(off)
		return string(out), true
	}
	return "", false
}

// pdfFont decodes the strings shown with one font.
type pdfFont struct {
	toUni      *cmap
	enc        [256]string // simple fonts
	cid        bool        // composite (Type0) font: multi-byte codes
	cidUnicode bool        // composite font whose codes are UCS-2/UTF-16
	first      int
	widths     []float64
	missing    float64
	std        *[95]uint16 // standard-14 metrics for fonts without /Widths
	dw         float64
	cidW       []cidWidth // sorted ranges
	wscale     float64    // Type3 FontMatrix scale to 1/1000 em
}

type cidWidth struct {
	lo, hi uint32
	w      float64
}

// glyph is one decoded code: its text and advance width in 1/1000 em.
type glyph struct {
	text  string
	width float64
	space bool // single-byte code 32: word spacing applies
}

func (f *pdfFile) loadFont(v any) *pdfFont {
	d := f.dict(v)
	font := &pdfFont{missing: 0, dw: 1000, wscale: 1}
	for i := range font.enc {
		font.enc[i] = string(winAnsiRune(byte(i)))
		if i < 0x20 {
			font.enc[i] = ""
		}
	}
	if d == nil {
		font.std = &helvetica
		return font
	}
	sub, _ := f.resolve(d["Subtype"]).(pdfName)
	if s, ok := f.resolve(d["ToUnicode"]).(*pdfStream); ok {
		if data, err := f.decode(s); err == nil && data != nil {
			font.toUni = parseCMap(data)
		}
	}
	if sub == "Type0" {
		font.cid = true
		if e, ok := f.resolve(d["Encoding"]).(pdfName); ok {
			font.cidUnicode = strings.Contains(string(e), "UCS2") || strings.Contains(string(e), "UTF16")
		}
		var desc pdfDict
		if a, ok := f.resolve(d["DescendantFonts"]).(pdfArray); ok && len(a) > 0 {
			desc = f.dict(a[0])
		}
		if desc != nil {
			if dw, ok := f.resolve(desc["DW"]).(float64); ok {
				font.dw = dw
			}
			font.cidW = f.parseW(desc["W"])
		}
		return font
	}
	// Simple font.
	base := "WinAnsiEncoding"
	var diffs pdfArray
	switch e := f.resolve(d["Encoding"]).(type) {
	case pdfName:
		base = string(e)
	case pdfDict:
		if b, ok := f.resolve(e["BaseEncoding"]).(pdfName); ok {
			base = string(b)
		}
		diffs, _ = f.resolve(e["Differences"]).(pdfArray)
	}
	if base == "MacRomanEncoding" {
		for i := 0x80; i < 0x100; i++ {
			font.enc[i] = string(macRoman[i-0x80])
		}
	}
	code := -1
	for _, x := range diffs {
		switch t := f.resolve(x).(type) {
		case float64:
			code = int(min(max(t, -1), 256))
		case pdfName:
			if code >= 0 && code < 256 {
				if s, ok := glyphRune(string(t)); ok {
					font.enc[code] = s
				}
				code++
			}
		}
	}
	if fc, ok := f.resolve(d["FirstChar"]).(float64); ok && fc >= 0 && fc < 256 {
		font.first = int(fc)
	}
	if w, ok := f.resolve(d["Widths"]).(pdfArray); ok {
		for _, x := range w[:min(len(w), 256)] {
			n, _ := f.resolve(x).(float64)
			font.widths = append(font.widths, n)
		}
	}
	if fd := f.dict(d["FontDescriptor"]); fd != nil {
		font.missing, _ = f.resolve(fd["MissingWidth"]).(float64)
	}
	if sub == "Type3" {
		if m, ok := f.resolve(d["FontMatrix"]).(pdfArray); ok && len(m) > 0 {
			if s, ok := f.resolve(m[0]).(float64); ok {
				font.wscale = s * 1000
			}
		}
	}
	if font.widths == nil {
		bf, _ := f.resolve(d["BaseFont"]).(pdfName)
		switch name := string(bf); {
		case strings.Contains(name, "Courier"):
			font.std = &courier
		case strings.Contains(name, "Times"):
			font.std = &timesRoman
		default:
			font.std = &helvetica
		}
	}
	return font
}

func (f *pdfFile) parseW(v any) []cidWidth {
	a, _ := f.resolve(v).(pdfArray)
	var out []cidWidth
	for i := 0; i < len(a) && len(out) < maxCMapEntries; {
		c1, ok := f.resolve(a[i]).(float64)
		if !ok || c1 < 0 || c1 > 1<<24 {
			break
		}
		if i+1 >= len(a) {
			break
		}
		if ws, ok := f.resolve(a[i+1]).(pdfArray); ok {
			for k, w := range ws {
				n, _ := f.resolve(w).(float64)
				out = append(out, cidWidth{uint32(c1) + uint32(k), uint32(c1) + uint32(k), n})
			}
			i += 2
			continue
		}
		if i+2 >= len(a) {
			break
		}
		c2, ok1 := f.resolve(a[i+1]).(float64)
		w, ok2 := f.resolve(a[i+2]).(float64)
		if !ok1 || !ok2 || c2 < c1 || c2 > 1<<24 {
			break
		}
		out = append(out, cidWidth{uint32(c1), uint32(c2), w})
		i += 3
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out
}

func (font *pdfFont) width(code uint32) float64 {
	if font.cid {
		i := sort.Search(len(font.cidW), func(i int) bool { return font.cidW[i].lo > code })
		if i > 0 && code <= font.cidW[i-1].hi {
			return font.cidW[i-1].w
		}
		return font.dw
	}
	if k := int(code) - font.first; font.widths != nil && k >= 0 && k < len(font.widths) {
		return font.widths[k] * font.wscale
	}
	if font.std != nil {
		if code >= 32 && code < 127 {
			return float64(font.std[code-32])
		}
		return 500
	}
	return font.missing * font.wscale
}

// decode splits a shown string into glyphs.
func (font *pdfFont) decode(s pdfString, out []glyph) []glyph {
	out = out[:0]
	for i := 0; i < len(s); {
		code, n := font.nextCode(s, i)
		i += n
		var text string
		ok := false
		if font.toUni != nil {
			text, ok = font.toUni.lookup(code, n)
			if !ok && !font.cid {
				// Simple fonts have 1-byte codes even when a sloppy
				// ToUnicode CMap declares 2-byte ones.
				text, ok = font.toUni.lookup(code, 2)
			}
		}
		if !ok {
			switch {
			case !font.cid:
				text = font.enc[code&0xFF]
			case font.cidUnicode:
				text = utf16BE([]byte{byte(code >> 8), byte(code)})
			}
		}
		out = append(out, glyph{text: text, width: font.width(code), space: n == 1 && code == 32})
	}
	return out
}

func (font *pdfFont) nextCode(s pdfString, i int) (uint32, int) {
	if !font.cid {
		return uint32(s[i]), 1
	}
	if font.toUni != nil && len(font.toUni.space) > 0 {
		for n := 1; n <= 4 && i+n <= len(s); n++ {
			code, _ := codeOf(s[i : i+n])
			for _, r := range font.toUni.space {
				if r.n == n && code >= r.lo && code <= r.hi {
					return code, n
				}
			}
		}
	}
	n := 1
	if font.cid && i+1 < len(s) {
		n = 2
	}
	code, _ := codeOf(s[i : i+n])
	return code, n
}

// Standard-14 advance widths (1/1000 em) of ASCII 32-126, for the fonts
// that PDFs may use without a /Widths array.
var helvetica = [95]uint16{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

var timesRoman = [95]uint16{
	250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
	500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
	921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
	556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
	333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
	500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
}

var courier = func() (w [95]uint16) {
	for i := range w {
		w[i] = 600
	}
	return
}()
