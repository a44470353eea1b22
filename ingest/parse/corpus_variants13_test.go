package parse

import "testing"

// TestCorpusVariants13 runs the set of corpus-format cases in testdata/corpus-variants13.
func TestCorpusVariants13(t *testing.T) { runCorpus(t, "corpus-variants13") }
