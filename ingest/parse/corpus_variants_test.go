package parse

import "testing"

// TestCorpusVariants runs the variant sample mails in testdata/corpus-variants through Parse
// and compares them exactly as TestCorpus does. Each variant keeps the facts of a case in
// testdata/corpus but is written the way another sender, mail client or list would write it
// (format and conventions of testdata/corpus README.md and SCHEMA.md).
func TestCorpusVariants(t *testing.T) { runCorpus(t, "corpus-variants") }
