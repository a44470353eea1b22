package parse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorpusVariants runs the variant sample mails in testdata/corpus-variants through Parse
// and compares them exactly as TestCorpus does. Each variant keeps the facts of a case in
// testdata/corpus but is written the way another sender, mail client or list would write it
// (format and conventions of testdata/corpus README.md and SCHEMA.md).
func TestCorpusVariants(t *testing.T) {
	emls, _ := filepath.Glob("testdata/corpus-variants/*.eml")
	if len(emls) == 0 {
		t.Fatal("no cases in testdata/corpus-variants")
	}
	for _, eml := range emls {
		name := strings.TrimSuffix(filepath.Base(eml), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(eml)
			if err != nil {
				t.Fatal(err)
			}
			var want expectation
			js, err := os.ReadFile(strings.TrimSuffix(eml, ".eml") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			if want.Case != name {
				t.Fatalf("case = %q in %s.json", want.Case, name)
			}
			var al aliases
			_ = json.Unmarshal(want.Aliases, &al)
			res, err := Parse(raw, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkCorpusCase(t, want, al, res)
		})
	}
}
