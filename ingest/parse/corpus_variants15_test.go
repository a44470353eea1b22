package parse

import "testing"

// TestCorpusVariants15 runs the set of corpus-format cases in testdata/corpus-variants15.
func TestCorpusVariants15(t *testing.T) { runCorpus(t, "corpus-variants15") }
