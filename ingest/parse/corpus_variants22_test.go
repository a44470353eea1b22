package parse

import "testing"

// TestCorpusVariants22 runs the set of corpus-format cases in testdata/corpus-variants22.
func TestCorpusVariants22(t *testing.T) { runCorpus(t, "corpus-variants22") }
