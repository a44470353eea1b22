package parse

import (
	"bytes"
	"strings"

	"github.com/ietf-tools/liaisond/ingest/parse/doctext"
)

// coverSheet reads the field block out of the attached statement document (DOCX, PDF, text),
// for mail whose body lacks the fields. Of several documents (a cover sheet, a change
// request, an annex), the one with the most statement fields is the cover sheet; the
// others lend it nothing, since their Title and Date rows are their own. It returns the
// fields found and the document's title property.
func (b *builder) coverSheet(files []File) (fields, string) {
	best := fields{first: map[string]field{}, all: map[string][]field{}}
	bestScore, title := 0, ""
	for _, f := range files {
		doc, ok := b.document(f)
		if !ok {
			continue
		}
		fs := scanFields(doc.Text)
		if score := evidenceCount(fs); score > bestScore {
			best, bestScore, title = fs, score, docTitle(doc.Title)
		}
	}
	return best, title
}

// docTitle is a document's title property when it reads as a title: a phrase, not a
// document number ("ORAN-WG4-LS-2026-027") or a file name, which is what many templates
// leave there.
func docTitle(t string) string {
	t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "Microsoft Word - "))
	low := strings.ToLower(t)
	if !strings.ContainsAny(t, " \t") || strings.HasSuffix(low, ".docx") || strings.HasSuffix(low, ".doc") || strings.HasSuffix(low, ".pdf") {
		return ""
	}
	return t
}

// document extracts the text of a DOCX or PDF attachment; other files are skipped. A
// document that cannot be read adds a problem and is skipped.
func (b *builder) document(f File) (doctext.Document, bool) {
	name := strings.ToLower(f.Filename)
	var doc doctext.Document
	var err error
	switch {
	case strings.Contains(f.ContentType, "wordprocessingml") || strings.HasSuffix(name, ".docx"):
		doc, err = doctext.ReadDOCX(f.Data, b.opts.MaxDocumentBytes)
	case f.ContentType == "application/pdf" || strings.HasSuffix(name, ".pdf"):
		doc, err = doctext.ReadPDF(f.Data, b.opts.MaxDocumentBytes)
	case strings.HasSuffix(f.ContentType, "/rtf") || strings.HasSuffix(name, ".rtf") || bytes.HasPrefix(f.Data, []byte(`{\rtf`)):
		doc, err = doctext.ReadRTF(f.Data, b.opts.MaxDocumentBytes)
	case f.ContentType == "text/plain" && int64(len(f.Data)) <= b.opts.MaxDocumentBytes:
		doc.Text = cleanText(f.Data)
	default:
		return doc, false
	}
	if err != nil {
		b.res.problem("cover sheet " + f.Filename + " not readable: " + shortErr(err))
		if doc.Text == "" {
			return doc, false
		}
	}
	return doc, true
}

// htmlText turns an HTML body into text lines that the field reader understands.
func htmlText(data []byte) string {
	return cleanText([]byte(doctext.HTML(data)))
}
