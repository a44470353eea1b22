package parse

import "testing"

// TestCorpusVariants12 runs the set of corpus-format cases in testdata/corpus-variants12.
func TestCorpusVariants12(t *testing.T) { runCorpus(t, "corpus-variants12") }
