package parse

import "testing"

// TestCorpusVariants20 runs the set of corpus-format cases in testdata/corpus-variants20.
func TestCorpusVariants20(t *testing.T) { runCorpus(t, "corpus-variants20") }
