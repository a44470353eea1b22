// Package doctext turns documents (HTML mail bodies, DOCX and PDF attachments)
// into plain text lines for the liaison statement field parser.
//
// Every entry point is safe on hostile input: it never panics, runs in time
// linear in its input, and bounds the bytes it decompresses and returns.
// Table rows come out as one line per row, with a label cell and its value
// joined as "Label: value", so that field blocks laid out as two-column tables
// read like the "Label: value" lines of a plain-text statement.
package doctext

import (
	"errors"
	"fmt"
)

// DefaultLimit is the decompression budget used by DOCX, ReadDOCX, PDF and
// ReadPDF when they are given a limit of zero or less.
const DefaultLimit int64 = 32 << 20

// Document is the text of a document together with its own title metadata:
// docProps/core.xml dc:title for DOCX, the trailer's /Info /Title for PDF.
// Title is empty when the document does not declare one.
type Document struct {
	Text  string
	Title string
}

// Errors returned (wrapped, with detail) by the DOCX and PDF readers; test
// for them with errors.Is.
var (
	// ErrTooLarge reports that the input, or the bytes decompressed from it,
	// exceeded the limit. Text extracted before the limit was hit is returned
	// with it.
	ErrTooLarge = errors.New("document exceeds size limit")
	// ErrFormat reports input that is not a readable document of the
	// expected kind (not a zip, no word/document.xml, not a PDF, ...).
	ErrFormat = errors.New("malformed document")
	// ErrEncrypted reports an encrypted PDF, whose text cannot be read.
	ErrEncrypted = errors.New("encrypted document")
)

func normLimit(limit int64) int64 {
	if limit <= 0 {
		return DefaultLimit
	}
	return limit
}

// recovered converts a recovered panic value into an error; it is the last
// line of defence, the readers are written not to panic.
func recovered(kind string, r any) error {
	return fmt.Errorf("doctext: %s: internal error on malformed input: %v: %w", kind, r, ErrFormat)
}
