package parse

import "testing"

// TestCorpusVariants8 runs the set of corpus-format cases in testdata/corpus-variants8.
func TestCorpusVariants8(t *testing.T) { runCorpus(t, "corpus-variants8") }
