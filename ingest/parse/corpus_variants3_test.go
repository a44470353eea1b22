package parse

import "testing"

// TestCorpusVariants3 runs the third round of variant sample mails in
// testdata/corpus-variants3 through Parse and compares them exactly as TestCorpus does. The
// cases cover IETF-adjacent senders (IEEE 802.11 Word tables, Broadband Forum, ITU-T TSAG to
// two bodies, oneM2M, W3C), an Apple Mail forward-as-attachment by an AD, titles with a colon,
// unusual deadline wordings, list duplicates and re-sends of earlier cases in this folder,
// auto-replies, NDRs and spam that are not statements, declared-but-wrong content types, and
// hostile input (boundary inside base64, an over-long folded Subject, CR-only line endings).
func TestCorpusVariants3(t *testing.T) { runCorpus(t, "corpus-variants3") }
