package parse

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMIMERobustness reads the broken MIME from the wild kept beside the project
// (../shared/mime-robustness): every file gets a result, with no panic and no error.
func TestMIMERobustness(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "mime-robustness")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	if len(files) == 0 {
		t.Skip("no ../shared/mime-robustness here")
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Parse(raw, Options{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
			continue
		}
		if res.Kind == NotStatement && res.Reason == "" {
			t.Errorf("%s: not a statement without a reason", filepath.Base(name))
		}
	}
}

// TestHostileLimits checks that the bounds hold: deep nesting, many parts, a huge header
// line, bare LF, NUL bytes, invalid base64.
func TestHostileLimits(t *testing.T) {
	deep := "Content-Type: multipart/mixed; boundary=b0\n\n"
	for i := 0; i < 60; i++ {
		deep += "--b" + itoa(i) + "\nContent-Type: multipart/mixed; boundary=b" + itoa(i+1) + "\n\n"
	}
	many := "Content-Type: multipart/mixed; boundary=x\n\n"
	for i := 0; i < 6000; i++ {
		many += "--x\nContent-Type: text/plain\n\nhi\n"
	}
	long := "Subject: " + string(make([]byte, 100000)) + "\n\nbody"
	for name, raw := range map[string]string{
		"deep":        deep,
		"many parts":  many,
		"long header": long,
		"nul":         "From: a@b.c\nSubject: LS\x00 on x\n\nTitle: a\x00b\nTo: IETF X WG\nPurpose: For action\n",
		"bad base64":  "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n!!!!%%%%\n--x--\n",
		"empty":       "",
	} {
		res, err := Parse([]byte(raw), Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "deep" || name == "many parts" {
			if len(res.Problems) == 0 && res.Kind == Statement {
				t.Errorf("%s: no problem reported", name)
			}
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
