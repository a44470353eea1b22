package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func seedCorpus(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	more, _ := filepath.Glob("testdata/fuzz-seeds/*")
	for _, name := range append(files, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParse checks that no input makes the parser fail, hang or store NUL bytes.
func FuzzParse(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := Parse(raw, Options{})
		if err != nil {
			t.Fatalf("Parse failed: %v", err)
		}
		st := res.Statement
		for _, s := range []string{st.Title, st.Body, st.FromOrg} {
			if strings.ContainsRune(s, 0) {
				t.Fatalf("NUL in a text field: %q", s)
			}
		}
		for _, a := range st.Attachments {
			if strings.ContainsAny(a.Filename, "/\\\x00") || strings.HasPrefix(a.Filename, ".") {
				t.Fatalf("unsafe attachment name %q", a.Filename)
			}
		}
		if res.Kind != Statement && res.Reason == "" && res.Kind != Command {
			t.Fatal("not a statement without a reason")
		}
	})
}

// FuzzFields runs the field-block reader and the extractors on arbitrary text.
func FuzzFields(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(string(b))
	}
	f.Add("Title: x\nContact: a  Tel: 1\n   Org  E-mail: a@b.c\nDeadline: 15/12/2026\n")
	f.Fuzz(func(t *testing.T, text string) {
		fs := scanFields(text)
		purposeOf(fs, text, fs.has("deadline"))
		for _, fl := range fs.all["technical"] {
			for _, c := range contactsIn(fl.text()) {
				if !strings.Contains(c.Email, "@") {
					t.Fatalf("contact without address: %+v", c)
				}
			}
		}
		ietfGroups(fs.value("to"))
		normalizeFromGroup(fs.value("from"), orgByText(fs.value("from")))
		findForward(text)
		cleanSubject(text)
		identifiers(text)
		if u := unflow(text, true); len(u) > len(text) {
			t.Fatalf("unflow grew the text: %d > %d", len(u), len(text))
		}
		rfc2231Value(text, "filename")
		headingTitle(text)
		subjectSender(text)
		stripMailto(text)
	})
}

// FuzzDeadline checks that any value gives a valid date or none.
func FuzzDeadline(f *testing.F) {
	for _, s := range []string{"15 December 2026", "31.01.2027", "December 15, 2026", "2026-12-15", "-", "Friday, 15th January 2027"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseDeadline(v)
		if ok != (d != "") {
			t.Fatalf("parseDeadline(%q) = %q, %v", v, d, ok)
		}
		if ok && (len(d) != 10 || !utf8.ValidString(d)) {
			t.Fatalf("parseDeadline(%q) = %q", v, d)
		}
	})
}
