package parse

import (
	"bytes"
	"encoding/base64"
	"math/rand"
	"os"
	"runtime"
	"testing"
)

// statementWithAttachment builds a direct ITU-T statement (corpus 001's text) carrying a PDF
// of n random bytes, base64-encoded as mail clients send it.
func statementWithAttachment(tb testing.TB, n int) []byte {
	tb.Helper()
	head, err := os.ReadFile("testdata/corpus/004-bbf-netmod-opsawg-info.eml")
	if err != nil {
		tb.Fatal(err)
	}
	i := bytes.Index(head, []byte("--_002_D788F3CC0315F9EDB2F6BE8BAB178A_\r\nContent-Type: application/pdf"))
	if i < 0 {
		tb.Fatal("sample layout changed")
	}
	data := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(data)
	copy(data, "%PDF-1.4\n")
	var b bytes.Buffer
	b.Grow(i + n*4/3 + n/38 + 400)
	b.Write(head[:i])
	b.WriteString("--_002_D788F3CC0315F9EDB2F6BE8BAB178A_\r\nContent-Type: application/pdf; name=\"LIAISE-652.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"LIAISE-652.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--_002_D788F3CC0315F9EDB2F6BE8BAB178A_--\r\n")
	return b.Bytes()
}

// BenchmarkParseTypical parses a 200 KB statement with a PDF attachment: intake needs 500
// or more a second on one core.
func BenchmarkParseTypical(b *testing.B) {
	raw := statementWithAttachment(b, 145<<10)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Parse(raw, Options{})
		if err != nil || res.Kind != Statement {
			b.Fatalf("%v %v", err, res.Reason)
		}
	}
}

// BenchmarkParseLarge parses a mail with a 20 MB attachment (27 MB in base64). alloc-x is the bytes
// allocated per parse over the message size: with the raw message itself, peak memory stays
// below (1 + alloc-x) times the message size.
func BenchmarkParseLarge(b *testing.B) {
	raw := statementWithAttachment(b, 20<<20) // 27 MB once base64-encoded
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		res, err := Parse(raw, Options{})
		if err != nil || res.Kind != Statement {
			b.Fatalf("%v %v", err, res.Reason)
		}
		n++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n)/float64(len(raw)), "alloc-x")
}
