package parse

import "testing"

// TestCorpusVariants14 runs the set of corpus-format cases in testdata/corpus-variants14.
func TestCorpusVariants14(t *testing.T) { runCorpus(t, "corpus-variants14") }
