package parse

import "testing"

// TestCorpusVariants7 runs the set of corpus-format cases in testdata/corpus-variants7.
func TestCorpusVariants7(t *testing.T) { runCorpus(t, "corpus-variants7") }
