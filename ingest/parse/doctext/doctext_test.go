package doctext

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// extract runs the reader matching the file's extension.
func extract(t testing.TB, path string, data []byte) (Document, error) {
	t.Helper()
	switch filepath.Ext(path) {
	case ".pdf":
		return ReadPDF(data, 0)
	case ".docx":
		return ReadDOCX(data, 0)
	case ".html":
		return Document{Text: HTML(data)}, nil
	}
	t.Fatalf("no reader for %s", path)
	return Document{}, nil
}

func TestGolden(t *testing.T) {
	var files []string
	for _, ext := range []string{"*.pdf", "*.docx", "*.html"} {
		m, _ := filepath.Glob(filepath.Join("testdata", ext))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := extract(t, path, data)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			got := "Title: " + doc.Title + "\n---\n" + doc.Text
			golden := path + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"brief table",
			`<table><tr><td>Title:</td><td>LS on Rich Call Data &amp; more</td></tr><tr><td>Deadline</td><td>18&nbsp;December&nbsp;2026</td></tr></table>`,
			"Title: LS on Rich Call Data & more\nDeadline: 18 December 2026\n"},
		{"label with space before colon", `<table><tr><td>Title :</td><td>X</td></tr></table>`, "Title : X\n"},
		{"th cells and bold labels", `<table><tr><th><b>To</b></th><td><i>IETF</i> STIR</td></tr></table>`, "To: IETF STIR\n"},
		{"long first cell is not a label", `<table><tr><td>Agenda item three of the meeting agenda today</td><td>done</td></tr></table>`,
			"Agenda item three of the meeting agenda today\tdone\n"},
		{"numeric cells", `<table><tr><td>1</td><td>2</td><td>3</td></tr></table>`, "1\t2\t3\n"},
		{"empty leading cell", `<table><tr><td>&nbsp;</td><td>Purpose:</td><td>For action</td></tr></table>`, "Purpose: For action\n"},
		{"label/value pairs", `<table><tr><td>From:</td><td>A</td><td>To:</td><td>B</td></tr></table>`, "From: A\nTo: B\n"},
		{"multi-line value", `<table><tr><td>Contact:</td><td><p>A &lt;a@x&gt;</p><p>B</p></td></tr></table>`, "Contact: A <a@x>\n  B\n"},
		{"blank paragraph inside a value cell", `<table><tr><td>Contact:</td><td><p>A</p><p>&nbsp;</p><p>B</p></td></tr></table>`, "Contact: A\n  B\n"},
		{"nested layout table", `<table><tr><td><table><tr><td>Title</td><td>T</td></tr><tr><td>To:</td><td>U</td></tr></table></td></tr></table>`,
			"Title: T\nTo: U\n"},
		{"unclosed cells and rows", `<table><tr><td>Title:<td>X<tr><td>To<td>Y</table>after`, "Title: X\nTo: Y\nafter\n"},
		{"blocks", `<h1>Head</h1><p>one</p><div>two<br>three</div><ul><li>a<li>b</ul>`, "Head\none\ntwo\nthree\na\nb\n"},
		{"blank lines", `<p>a</p><p>&nbsp;</p><p>b</p><div><br></div><div>c</div><br><br><br>`, "a\n\nb\n\nc\n"},
		{"whitespace collapses", "  a \n\t b   &nbsp;&nbsp; c  ", "a b c\n"},
		{"entities", `&lt;&gt;&amp;&quot;&#x27;&#39;&#8212;&eacute;&copy &bogus; &amp`, "<>&\"''—é© &bogus; &\n"},
		{"head script style comments", `<head><title>no</title><style>p{}</style></head><!-- x --><script>if (a<b) {}</script><p>yes</p><SCRIPT>x</SCRIPT >z`,
			"yes\nz\n"},
		{"outlook o:p", `<p class=MsoNormal>Title: X<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p>Y</p>`, "Title: X\n\nY\n"},
		{"attributes with > and quotes", `<a href="x>y" title='a>b' data=z>link</a> <img alt=">">end`, "link end\n"},
		{"pre keeps lines and indentation", "<pre>a\n   b\n\nc</pre>d", "a\n   b\n\nc\nd\n"},
		{"mailto link with a name", `Contact: <a href="mailto:r.okafor@op.example">Rita Okafor</a>`, "Contact: Rita Okafor <r.okafor@op.example>\n"},
		{"mailto link showing its address", `<a href='MAILTO:a@b.example?subject=x'>a@b.example</a>`, "a@b.example\n"},
		{"lone angle brackets", `a < b > c <3 </ x>`, "a < b > c <3\n"},
		{"unterminated", `<p>x<!-- never closed`, "x\n"},
		{"unterminated tag", `x<div class="`, "x\n"},
		{"empty", ``, ""},
		{"doctype and pi", `<!DOCTYPE html><?xml version="1.0"?><p>ok</p>`, "ok\n"},
		{"conditional comment list", `<p><![if !supportLists]>-&nbsp;<![endif]>item</p>`, "- item\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML([]byte(tt.in)); got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLBounded(t *testing.T) {
	// Deep nesting and many cells stay linear and bounded.
	for _, in := range []string{
		strings.Repeat("<table><tr><td>x", 5000),
		strings.Repeat("<td>", 100000),
		strings.Repeat("<br>", 100000),
		strings.Repeat("&nGt;", 10000),
	} {
		out := HTML([]byte(in))
		if len(out) > 2*len(in)+1024 {
			t.Errorf("output %d bytes for %d bytes of input", len(out), len(in))
		}
	}
}

// makeZip builds a zip archive from name/content pairs.
func makeZip(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"`

func wp(runs ...string) string {
	var sb strings.Builder
	sb.WriteString("<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>")
	for _, r := range runs {
		sb.WriteString("<w:r><w:rPr><w:b/></w:rPr>" + r + "</w:r>")
	}
	sb.WriteString("</w:p>")
	return sb.String()
}

func wt(s string) string { return `<w:t xml:space="preserve">` + s + `</w:t>` }

func wtc(paras ...string) string {
	return "<w:tc><w:tcPr><w:tcW w:w=\"2000\"/></w:tcPr>" + strings.Join(paras, "") + "</w:tc>"
}

func TestDOCX(t *testing.T) {
	body := wp(wt("3GPP TSG-SA WG2 Meeting #171"), "<w:tab/>", wt("S2-2608123")) +
		wp() +
		"<w:tbl><w:tblPr/>" +
		"<w:tr>" + wtc(wp(wt("Title:"))) + wtc(wp(wt("LS on "), wt("DetNet &amp; OAM"))) + "</w:tr>" +
		"<w:tr>" + wtc(wp(wt("Release"))) + wtc(wp(wt("Rel-20"))) + "</w:tr>" +
		"<w:tr>" + wtc(wp(wt("Contact Person:"))) + wtc(wp(wt("Name: A")), wp(wt("E-mail Address: a@x"))) + "</w:tr>" +
		"</w:tbl>" +
		wp(wt("Line one"), "<w:br/>", wt("line two")) +
		wp(wt("kept "), `<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>`, `<w:instrText> HYPERLINK "x" </w:instrText>`, wt("text")) +
		wp(`<mc:AlternateContent><mc:Choice><w:txbxContent>`+wp(wt("box"))+`</w:txbxContent></mc:Choice><mc:Fallback>`+wp(wt("box"))+`</mc:Fallback></mc:AlternateContent>`)
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + wordNS + `><w:body>` + body + `<w:sectPr/></w:body></w:document>`
	core := `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>LS on  DetNet</dc:title></cp:coreProperties>`
	rels := `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/main.xml"/></Relationships>`

	want := "3GPP TSG-SA WG2 Meeting #171\tS2-2608123\n\n" +
		"Title: LS on DetNet & OAM\nRelease: Rel-20\nContact Person: Name: A\n  E-mail Address: a@x\n" +
		"Line one\nline two\nkept text\nbox\n"
	tests := []struct {
		name      string
		zip       []byte
		wantTitle string
		wantText  string
	}{
		{"default part", makeZip(t, "word/document.xml", doc, "docProps/core.xml", core), "LS on DetNet", want},
		{"part named by rels", makeZip(t, "_rels/.rels", rels, "word/main.xml", doc), "", want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadDOCX(tt.zip, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.wantTitle || d.Text != tt.wantText {
				t.Errorf("got title %q text\n%s\nwant title %q text\n%s", d.Title, d.Text, tt.wantTitle, tt.wantText)
			}
			if s, err := DOCX(tt.zip, 0); err != nil || s != tt.wantText {
				t.Errorf("DOCX() = %q, %v", s, err)
			}
		})
	}
}

func TestDOCXErrors(t *testing.T) {
	bomb := makeZip(t, "word/document.xml", "<w:document "+wordNS+"><w:body>"+strings.Repeat(wp(wt("x")), 1)+strings.Repeat(" ", 4<<20)+"</w:body></w:document>")
	broken := makeZip(t, "word/document.xml", "<w:document "+wordNS+"><w:body>"+wp(wt("partial"))+"<w:p><w:r><w:t>cut")
	tests := []struct {
		name     string
		data     []byte
		limit    int64
		want     error
		wantText string
	}{
		{"not a zip", []byte("PK\x03\x04 nonsense"), 0, ErrFormat, ""},
		{"legacy doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), 0, ErrFormat, ""},
		{"no document part", makeZip(t, "other.xml", "<x/>"), 0, ErrFormat, ""},
		{"zip bomb keeps text read", bomb, 1 << 20, ErrTooLarge, "x\n"},
		{"input over limit", bomb, 100, ErrTooLarge, ""},
		{"truncated xml keeps text", broken, 0, ErrFormat, "partial\ncut\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadDOCX(tt.data, tt.limit)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d.Text != tt.wantText {
				t.Errorf("text = %q, want %q", d.Text, tt.wantText)
			}
		})
	}
}

// pdfBuilder writes a PDF with a correct xref table.
type pdfBuilder struct {
	buf  bytes.Buffer
	offs []int
}

func newPDF() *pdfBuilder {
	p := &pdfBuilder{}
	p.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

// obj adds the next object (numbered from 1).
func (p *pdfBuilder) obj(body string) {
	p.offs = append(p.offs, p.buf.Len())
	fmt.Fprintf(&p.buf, "%d 0 obj\n%s\nendobj\n", len(p.offs), body)
}

// stream adds a stream object, Flate-compressed if flate is set.
func (p *pdfBuilder) stream(dict, data string, flate bool) {
	if flate {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write([]byte(data))
		w.Close()
		data = z.String()
		dict += " /Filter /FlateDecode"
	}
	p.obj(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
}

func (p *pdfBuilder) bytes(trailer string) []byte {
	x := p.buf.Len()
	fmt.Fprintf(&p.buf, "xref\n0 %d\n0000000000 65535 f \n", len(p.offs)+1)
	for _, o := range p.offs {
		fmt.Fprintf(&p.buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&p.buf, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", len(p.offs)+1, trailer, x)
	return p.buf.Bytes()
}

// onePage makes a PDF whose page uses content and fonts F1 (Helvetica) and
// F2 (object 6, given by font6), with extra objects from 7 on.
func onePage(content, font6 string, flate bool, extra ...func(*pdfBuilder)) *pdfBuilder {
	p := newPDF()
	p.obj("<< /Type /Catalog /Pages 2 0 R >>")
	p.obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /Font << /F1 5 0 R /F2 6 0 R >> /XObject << /X1 7 0 R >> >> >>")
	p.obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>")
	p.stream("", content, flate)
	p.obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	p.obj(font6)
	for _, e := range extra {
		e(p)
	}
	return p
}

const toUnicode = `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0003> <0020> <0010> <00660069> endbfchar
2 beginbfrange <0024> <003D> <0041> <0044> <0046> [<0061> <0062> <0063>] endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`

func TestPDF(t *testing.T) {
	type0 := "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Arial /Encoding /Identity-H /DescendantFonts [8 0 R] /ToUnicode 9 0 R >>"
	cidParts := func(p *pdfBuilder) {
		p.stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100]", "BT /F1 10 Tf 1 0 0 1 300 100 Tm (From a form) Tj ET", false)
		p.obj("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Arial /DW 1000 /W [36 [667 667] 37 61 600] >>")
		p.stream("", toUnicode, true)
	}
	simple6 := "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [39 /quoteright 128 /fi /uni00E9 /Euro] >> >>"
	tests := []struct {
		name, content, font6 string
		flate                bool
		extra                []func(*pdfBuilder)
		trailer              string
		want, wantTitle      string
	}{
		{
			name: "tj tj and lines",
			content: `BT /F1 12 Tf 72 700 Td (Title:) Tj ( LS on X) Tj 0 -14 Td [(Dead) -20 (line:) -300 (15) -250 (May 2027)] TJ
			0 -40 Td (after blank) Tj ET
			BT 1 0 0 1 72 600 Tm (Col A) Tj 1 0 0 1 300 600 Tm (Col B) Tj ET`,
			font6: simple6, flate: true, trailer: "/Root 1 0 R",
			want: "Title: LS on X\nDeadline: 15 May 2027\n\nafter blank\n\nCol A Col B\n",
		},
		{
			name:    "type0 identity-h with tounicode and form xobject",
			content: "BT /F2 11 Tf 50 800 Td <0024002500260003002700100046> Tj ET /X1 Do",
			font6:   type0, flate: true, extra: []func(*pdfBuilder){cidParts}, trailer: "/Root 1 0 R",
			want: "ABC Dfic\n\nFrom a form\n",
		},
		{
			name:    "differences and info title in utf-16",
			content: "BT /F2 10 Tf 10 10 Td (it\x27s \x80ne \x81t\xe9 \x82) Tj ET",
			font6:   simple6, trailer: "/Root 1 0 R /Info 7 0 R",
			extra: []func(*pdfBuilder){func(p *pdfBuilder) { p.obj("<< /Title <FEFF004C0053002000F60020D83DDE00> >>") }},
			want:  "it’s fine été €\n", wantTitle: "LS ö 😀",
		},
		{
			name:    "rotated and scaled via cm, quote operators",
			content: "q 0 1 -1 0 500 100 cm BT /F1 10 Tf 12 TL (up) Tj (wards) ' 1 1 (again) \" ET Q",
			font6:   simple6, trailer: "/Root 1 0 R",
			want: "up\nwards\nagain\n",
		},
		{
			name:    "inline image is skipped",
			content: "BT /F1 10 Tf 10 10 Td (before) Tj ET BI /W 2 /H 2 /BPC 8 /CS /G ID \x00EI) Tj (x\xff EI Q BT /F1 10 Tf 10 0 Td (after) Tj ET",
			font6:   simple6, trailer: "/Root 1 0 R",
			want: "before\nafter\n",
		},
		{
			name:    "no trailer root falls back to catalog",
			content: "BT /F1 10 Tf (found) Tj ET",
			font6:   simple6, trailer: "",
			want: "found\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := onePage(tt.content, tt.font6, tt.flate, tt.extra...).bytes(tt.trailer)
			d, err := ReadPDF(data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if d.Text != tt.want || d.Title != tt.wantTitle {
				t.Errorf("got title %q text %q\nwant title %q text %q", d.Title, d.Text, tt.wantTitle, tt.want)
			}
			if s, err := PDF(data, 0); err != nil || s != tt.want {
				t.Errorf("PDF() = %q, %v", s, err)
			}
		})
	}
}

func TestPDFErrors(t *testing.T) {
	sample, err := os.ReadFile("testdata/itu-sg15-ls142.pdf")
	if err != nil {
		t.Fatal(err)
	}
	bomb := onePage("BT /F1 10 Tf (x) Tj ET"+strings.Repeat(" ", 8<<20), "null", true).bytes("/Root 1 0 R")
	enc := onePage("BT /F1 10 Tf (secret) Tj ET", "null", false).bytes("/Root 1 0 R /Encrypt << /Filter /Standard >>")
	selfForm := onePage("BT /F1 10 Tf (top) Tj ET /X1 Do", "null", false, func(p *pdfBuilder) {
		p.stream("/Type /XObject /Subtype /Form", "/X1 Do /X1 Do BT /F1 10 Tf 0 -20 Td (form) Tj ET", false)
	}).bytes("/Root 1 0 R")
	cycle := newPDF()
	cycle.obj("<< /Type /Catalog /Pages 2 0 R >>")
	cycle.obj("<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] >>")
	cycle.obj("<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	cycle.stream("", "BT /F1 10 Tf (once) Tj ET", true)
	cycle.obj("<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>")
	tests := []struct {
		name     string
		data     []byte
		limit    int64
		want     error
		wantText string
	}{
		{"self-referencing form", selfForm, 0, nil, "top\n\nform\n"},
		{"page tree cycle", cycle.bytes("/Root 1 0 R"), 0, nil, "once\n"},
		{"not a pdf", []byte("GIF89a"), 0, ErrFormat, ""},
		{"empty", nil, 0, ErrFormat, ""},
		{"encrypted", enc, 0, ErrEncrypted, ""},
		{"flate bomb", bomb, 1 << 20, ErrTooLarge, ""},
		{"input over limit", sample, 100, ErrTooLarge, ""},
		{"truncated mid stream", sample[:bytes.Index(sample, []byte("(Deadline"))], 0, nil, "LS on coordination of YANG data models for beyond-100G OTN\n\nITU-T SG15 liaison statement SG15-LS142\nFor action to: IETF CCAMP WG\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ReadPDF(tt.data, tt.limit)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if d.Text != tt.wantText {
				t.Errorf("text = %q, want %q", d.Text, tt.wantText)
			}
		})
	}
}

// TestHostileLinear feeds inputs built to make a naive scanner quadratic
// or deeply recursive; each must finish quickly.
func TestHostileLinear(t *testing.T) {
	const n = 1 << 20
	tests := []struct {
		name string
		run  func([]byte)
		in   []byte
	}{
		{"pdf unterminated strings", func(b []byte) { ReadPDF(b, 0) }, []byte("%PDF-1.4\n" + strings.Repeat("1 0 obj (", n/9))},
		{"pdf unterminated arrays", func(b []byte) { ReadPDF(b, 0) }, []byte("%PDF-1.4\n" + strings.Repeat("1 0 obj [1 2 ", n/13))},
		{"pdf trailers", func(b []byte) { ReadPDF(b, 0) }, []byte("%PDF-1.4\n" + strings.Repeat("trailer <</Root (", n/17))},
		{"pdf deep nesting", func(b []byte) { ReadPDF(b, 0) }, []byte("%PDF-1.4\n1 0 obj " + strings.Repeat("[<<", n/3))},
		{"pdf streams without end", func(b []byte) { ReadPDF(b, 0) }, []byte("%PDF-1.4\n" + strings.Repeat("1 0 obj <<>> stream\n", n/20))},
		{"pdf content operators", func(b []byte) { ReadPDF(b, 0) },
			onePage(strings.Repeat("BT /F1 9 Tf [(a) -500 (b)] TJ T* ET q ", n/40), "null", true).bytes("/Root 1 0 R")},
		{"html deep tables", func(b []byte) { HTML(b) }, []byte(strings.Repeat("<table><tr><td>x", n/16))},
		{"html unclosed script", func(b []byte) { HTML(b) }, []byte(strings.Repeat("<script></scrip", n/15))},
		{"html quotes", func(b []byte) { HTML(b) }, []byte(strings.Repeat(`<a b="`, n/6))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			tt.run(tt.in)
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v on %d bytes", d, len(tt.in))
			}
		})
	}
}
