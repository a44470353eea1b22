package parse

import "testing"

// TestCorpusVariants21 runs the set of corpus-format cases in testdata/corpus-variants21.
func TestCorpusVariants21(t *testing.T) { runCorpus(t, "corpus-variants21") }
