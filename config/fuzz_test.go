package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoad: Parse never panics, and a configuration it accepts survives WriteTOML and
// Parse unchanged.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.toml")
	files = append(files, examplePath)
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("[[smtp]]\nlisten = \"127.0.0.1:1\"\nrecipients = [\"a@b.c\"]\n[smtp.x]\ny = 1\n"))
	f.Add([]byte("smtp = [{listen = \"x\"}, 3]\nimap = [[1]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		var b strings.Builder
		if err := c.WriteTOML(&b); err != nil {
			t.Fatal(err)
		}
		c2, err := Parse("fuzz.toml", []byte(b.String()))
		if err != nil {
			t.Fatalf("effective config does not re-read: %v\n%s", err, b.String())
		}
		c.lines, c2.lines = nil, nil
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", c, c2)
		}
	})
}
