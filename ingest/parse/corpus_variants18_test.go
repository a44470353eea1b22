package parse

import "testing"

// TestCorpusVariants18 runs the set of corpus-format cases in testdata/corpus-variants18.
func TestCorpusVariants18(t *testing.T) { runCorpus(t, "corpus-variants18") }
