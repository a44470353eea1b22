package parse

import "testing"

// TestCorpusVariants19 runs the set of corpus-format cases in testdata/corpus-variants19.
func TestCorpusVariants19(t *testing.T) { runCorpus(t, "corpus-variants19") }
