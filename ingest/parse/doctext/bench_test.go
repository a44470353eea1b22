package doctext

import (
	"os"
	"strings"
	"testing"
)

// page200K builds a ~200 KB Outlook-style HTML page with field tables.
func page200K() []byte {
	var sb strings.Builder
	sb.WriteString("<html><head><style>p.MsoNormal{margin:0}</style></head><body>")
	for sb.Len() < 200<<10 {
		sb.WriteString(`<p class=MsoNormal>Dear colleagues, please find the&nbsp;statement &amp; attachments.<o:p></o:p></p>`)
		sb.WriteString(`<table border=0><tr><td width=150><p class=MsoNormal><b>Title:</b></p></td><td><p class=MsoNormal>LS on Rich Call Data</p></td></tr>`)
		sb.WriteString(`<tr><td>Deadline</td><td>18&nbsp;December&nbsp;2026</td></tr></table><div>line<br>break</div>`)
	}
	sb.WriteString("</body></html>")
	return []byte(sb.String())
}

func BenchmarkHTML200K(b *testing.B) {
	src := page200K()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		HTML(src)
	}
}

func benchPDF(b *testing.B, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := PDF(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPDFSample(b *testing.B)      { benchPDF(b, "testdata/itu-sg15-ls142.pdf") }
func BenchmarkPDFGhostscript(b *testing.B) { benchPDF(b, "testdata/3gpp-cover-ghostscript.pdf") }

func BenchmarkDOCX(b *testing.B) {
	data, err := os.ReadFile("testdata/itu-sg15-ls142.docx")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := DOCX(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}
