package parse

import "testing"

// TestCorpusVariants9 runs the set of corpus-format cases in testdata/corpus-variants9.
func TestCorpusVariants9(t *testing.T) { runCorpus(t, "corpus-variants9") }
