package parse

import "testing"

// TestCorpusVariants10 runs the set of corpus-format cases in testdata/corpus-variants10.
func TestCorpusVariants10(t *testing.T) { runCorpus(t, "corpus-variants10") }
