package parse

import "testing"

// TestCorpusVariants11 runs the set of corpus-format cases in testdata/corpus-variants11.
func TestCorpusVariants11(t *testing.T) { runCorpus(t, "corpus-variants11") }
