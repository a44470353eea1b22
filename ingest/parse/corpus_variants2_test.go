package parse

import "testing"

// TestCorpusVariants2 runs the second round of variant sample mails in
// testdata/corpus-variants2 through Parse and compares them exactly as TestCorpus does. The
// cases cover shapes the earlier rounds did not: field blocks that look like forwarded
// headers, covers in other languages, Outlook "on behalf of" and Sender headers, mislabelled
// or legacy attachments, DOCX cover sheets, reply chains of forwards, administrivia and
// receipts that are not statements, and hostile input (format and conventions of
// testdata/corpus README.md and SCHEMA.md).
func TestCorpusVariants2(t *testing.T) { runCorpus(t, "corpus-variants2") }
