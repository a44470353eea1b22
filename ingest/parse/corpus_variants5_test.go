package parse

import "testing"

// TestCorpusVariants5 runs the set of corpus-format cases in testdata/corpus-variants5.
func TestCorpusVariants5(t *testing.T) { runCorpus(t, "corpus-variants5") }
