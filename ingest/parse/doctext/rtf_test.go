package doctext

import (
	"errors"
	"testing"
	"unicode/utf8"
)

func TestReadRTF(t *testing.T) {
	tests := []struct {
		name, in, want, title string
	}{
		{"paragraphs", `{\rtf1\ansi Title: LS on X\par Purpose: For action\par}`, "Title: LS on X\nPurpose: For action\n", ""},
		{"destinations skipped", `{\rtf1{\fonttbl{\f0 Arial;}}{\colortbl;\red0;}{\*\themedata 0102}{\info{\title OIF LS}{\author A}}Body\par}`, "Body\n", "OIF LS"},
		{"quotes and dashes", `{\rtf1\ansi\ansicpg1252 \ldblquote A\rdblquote  \endash  \'93B\'94 \'96 C\u8217?s\par}`, "“A” – “B” – C’s\n", ""},
		{"uc skips fallback", `{\rtf1\uc2 x\u8212\'97\'97y\par}`, "x—y\n", ""},
		{"hyperlink result kept", `{\rtf1 Mail: {\field{\*\fldinst HYPERLINK "mailto:a@b.example"}{\fldrslt a@b.example}}\par}`, "Mail: a@b.example\n", ""},
		{"table row as label: value", `{\rtf1\trowd\cellx2000\cellx8000 \pard\intbl Title:\cell LS on Y\cell\row\pard After\par}`, "Title: LS on Y\nAfter\n", ""},
		{"escapes", `{\rtf1 a\{b\}c\\d\par}`, "a{b}c\\d\n", ""},
	}
	for _, tt := range tests {
		d, err := ReadRTF([]byte(tt.in), 0)
		if err != nil || d.Text != tt.want || d.Title != tt.title {
			t.Errorf("%s: %q (title %q), %v; want %q (title %q)", tt.name, d.Text, d.Title, err, tt.want, tt.title)
		}
	}
	if _, err := ReadRTF([]byte("not rtf"), 0); !errors.Is(err, ErrFormat) {
		t.Errorf("not RTF: %v", err)
	}
	if _, err := ReadRTF([]byte(`{\rtf1 `+string(make([]byte, 100))+`}`), 50); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}

func FuzzRTF(f *testing.F) {
	f.Add([]byte(`{\rtf1\ansi{\fonttbl{\f0 A;}}\trowd\cellx1 \intbl Title:\cell X\u8217?\'93\cell\row\pard y\par}`))
	f.Add([]byte(`{\rtf1{{{{\*\x}}}}\u-4000?\uc0\'zz\`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		d, _ := ReadRTF(data, limit)
		if len(d.Text) > 4*limit || !utf8.ValidString(d.Text) || !utf8.ValidString(d.Title) {
			t.Fatalf("bad output: %d bytes, valid %v", len(d.Text), utf8.ValidString(d.Text))
		}
	})
}
