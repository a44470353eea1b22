package parse

import "testing"

// TestCorpusVariants17 runs the set of corpus-format cases in testdata/corpus-variants17.
func TestCorpusVariants17(t *testing.T) { runCorpus(t, "corpus-variants17") }
