package parse

import "testing"

// TestCorpusVariants16 runs the set of corpus-format cases in testdata/corpus-variants16.
func TestCorpusVariants16(t *testing.T) { runCorpus(t, "corpus-variants16") }
