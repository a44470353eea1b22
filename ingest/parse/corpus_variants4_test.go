package parse

import "testing"

// TestCorpusVariants4 runs the fourth set of corpus-format cases (testdata/corpus-variants4):
// mailing-list copies (Mailman 2/3 tags, footers as a part or appended to the text, DMARC
// rewrites with Reply-To or X-Original-From), mail that is not a statement (an Outlook reply
// quoting an LS without '>' markers, a French out-of-office, a DSN with text/rfc822-headers,
// a chair's question, another SDO's receipt of an IETF statement, a plain-text digest) and
// hostile input (unterminated quoted boundary, base64 declared over plain text, raw 8-bit
// headers, a 300-character filename, a zip-bomb-like DOCX cover sheet).
func TestCorpusVariants4(t *testing.T) { runCorpus(t, "corpus-variants4") }
