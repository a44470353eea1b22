package parse

import "testing"

// TestCorpusVariants6 runs the set of corpus-format cases in testdata/corpus-variants6.
func TestCorpusVariants6(t *testing.T) { runCorpus(t, "corpus-variants6") }
