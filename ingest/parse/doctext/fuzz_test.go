package doctext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// seed adds every testdata file with one of exts to the fuzz corpus.
func seed(f *testing.F, exts ...string) {
	for _, ext := range exts {
		files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

func FuzzHTML(f *testing.F) {
	seed(f, ".html")
	f.Add([]byte(`<table><tr><td>Title:</td><td>LS on Rich Call Data &amp; more</td></tr><tr><td>Deadline</td><td>18&nbsp;December&nbsp;2026</td></tr></table>`))
	f.Add([]byte("<pre>a\n  b</pre><script>x</script><!--"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out := HTML(src)
		if len(out) > 2*len(src)+1024 {
			t.Fatalf("output %d bytes for %d input bytes", len(out), len(src))
		}
		if !utf8.ValidString(out) {
			t.Fatal("invalid UTF-8 output")
		}
		if strings.Contains(out, "\n\n\n") {
			t.Fatal("more than one blank line in a row")
		}
	})
}

func FuzzDOCX(f *testing.F) {
	seed(f, ".docx")
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		d, _ := ReadDOCX(data, limit)
		if len(d.Text) > 2*limit {
			t.Fatalf("text of %d bytes over the limit", len(d.Text))
		}
		if !utf8.ValidString(d.Text) || !utf8.ValidString(d.Title) {
			t.Fatal("invalid UTF-8 output")
		}
	})
}

func FuzzPDF(f *testing.F) {
	seed(f, ".pdf")
	f.Add(onePage("BT /F2 11 Tf 50 800 Td <00240025> Tj [(a) -300 (b)] TJ ET /X1 Do", "<< /Subtype /Type0 /ToUnicode 7 0 R >>", true,
		func(p *pdfBuilder) { p.stream("", toUnicode, true) }).bytes("/Root 1 0 R"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		d, _ := ReadPDF(data, limit)
		if len(d.Text) > 2*limit {
			t.Fatalf("text of %d bytes over the limit", len(d.Text))
		}
		if !utf8.ValidString(d.Text) || !utf8.ValidString(d.Title) {
			t.Fatal("invalid UTF-8 output")
		}
	})
}
