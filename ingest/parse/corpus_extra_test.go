package parse

import "testing"

// TestCorpusExtra runs the additional sample mails in testdata/corpus-extra, written in the
// format and after the conventions of testdata/corpus (README.md, SCHEMA.md), through Parse
// and compares them exactly as TestCorpus does.
func TestCorpusExtra(t *testing.T) { runCorpus(t, "corpus-extra") }
