package doctext

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

const (
	nsW  = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsMC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
	nsDC = "http://purl.org/dc/elements/1.1/"
)

// DOCX returns the text of a Word (OOXML) document; it is ReadDOCX without
// the title.
func DOCX(data []byte, limit int64) (string, error) {
	d, err := ReadDOCX(data, limit)
	return d.Text, err
}

// ReadDOCX reads a Word (OOXML) document: the text of its main part
// (word/document.xml, or the part _rels/.rels names) and the dc:title of
// docProps/core.xml.
//
// Each paragraph becomes a line, w:tab a tab and w:br a line break; table
// rows are laid out like HTML rows ("Label: value"). Deleted text, field
// instructions and the VML fallback copies of text boxes are skipped.
//
// limit (DefaultLimit if <= 0) bounds both len(data) and the total bytes
// decompressed from the archive, so zip bombs fail with ErrTooLarge. Other
// problems wrap ErrFormat. On an error in the middle of the document the
// text read so far is returned with the error. It never panics.
func ReadDOCX(data []byte, limit int64) (doc Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered("docx", r)
		}
	}()
	limit = normLimit(limit)
	if int64(len(data)) > limit {
		return doc, fmt.Errorf("doctext: docx: %d bytes, over the limit of %d: %w", len(data), limit, ErrTooLarge)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return doc, fmt.Errorf("doctext: docx: not a zip archive: %v: %w", err, ErrFormat)
	}
	budget := &budget{left: limit}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/")
		if _, dup := files[name]; !dup {
			files[name] = f
		}
	}
	main := "word/document.xml"
	if f := files["_rels/.rels"]; f != nil {
		if rels, err := budget.read(f); err == nil {
			if t := officeDocumentTarget(rels); t != "" && files[t] != nil {
				main = t
			}
		} else if errors.Is(err, ErrTooLarge) {
			return doc, err
		}
	}
	if f := files["docProps/core.xml"]; f != nil {
		core, err := budget.read(f)
		if err != nil && errors.Is(err, ErrTooLarge) {
			return doc, err
		}
		doc.Title = coreTitle(core)
	}
	f := files[main]
	if f == nil {
		return doc, fmt.Errorf("doctext: docx: no %s in the archive: %w", main, ErrFormat)
	}
	body, err := budget.read(f)
	if err != nil && len(body) == 0 {
		return doc, err
	}
	text, perr := documentText(body, int(min(limit, int64(1<<30))))
	doc.Text = text
	if err == nil {
		err = perr
	}
	return doc, err
}

// budget bounds the bytes decompressed from an archive or a PDF.
type budget struct{ left int64 }

// read decompresses a zip member within the budget. A damaged member yields
// what could be read and an error.
func (b *budget) read(f *zip.File) ([]byte, error) {
	if b.left <= 0 {
		return nil, fmt.Errorf("doctext: docx: %s: decompressed size over the limit: %w", f.Name, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("doctext: docx: %s: %v: %w", f.Name, err, ErrFormat)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, b.left+1))
	b.left -= int64(len(data))
	if b.left < 0 {
		return data[:len(data)-1], fmt.Errorf("doctext: docx: %s: decompressed size over the limit: %w", f.Name, ErrTooLarge)
	}
	if err != nil {
		return data, fmt.Errorf("doctext: docx: %s: %v: %w", f.Name, err, ErrFormat)
	}
	return data, nil
}

// officeDocumentTarget returns the archive path of the main document part
// named by the package relationships, or "".
func officeDocumentTarget(rels []byte) string {
	d := xml.NewDecoder(bytes.NewReader(rels))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var typ, target string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Type":
				typ = a.Value
			case "Target":
				target = a.Value
			}
		}
		if strings.HasSuffix(typ, "/officeDocument") && target != "" {
			return strings.TrimPrefix(path.Clean("/"+target), "/")
		}
	}
}

// coreTitle returns dc:title from docProps/core.xml.
func coreTitle(core []byte) string {
	d := xml.NewDecoder(bytes.NewReader(core))
	d.Strict = false
	in := false
	var sb strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			in = t.Name.Local == "title" && (t.Name.Space == nsDC || t.Name.Space == "")
		case xml.EndElement:
			if in {
				return strings.Join(strings.Fields(sb.String()), " ")
			}
		case xml.CharData:
			if in && sb.Len() < 4096 {
				sb.Write(t)
			}
		}
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}

// documentText walks WordprocessingML and lays its text out in lines.
func documentText(body []byte, max int) (string, error) {
	b := newBuilder(max)
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	var (
		skip   int // depth inside a skipped subtree (mc:Fallback, w:del, w:instrText)
		inText int // depth inside w:t
		inRun  int // depth inside w:r (w:tab outside runs is a tab stop)
		err    error
	)
	for {
		var tok xml.Token
		tok, err = d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			if t.Name.Space == nsMC && t.Name.Local == "Fallback" {
				skip = 1
				continue
			}
			if t.Name.Space != nsW {
				continue
			}
			switch t.Name.Local {
			case "del", "instrText", "delText", "pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr":
				skip = 1
			case "t":
				inText++
			case "r":
				inRun++
			case "tab", "ptab":
				if inRun > 0 {
					b.tab()
				}
			case "br", "cr":
				b.endLine(true)
			case "noBreakHyphen":
				b.text("-")
			case "tbl":
				b.startTable()
			case "tr":
				b.startRow()
			case "tc":
				b.startCell()
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if t.Name.Space != nsW {
				continue
			}
			switch t.Name.Local {
			case "t":
				if inText > 0 {
					inText--
				}
			case "r":
				if inRun > 0 {
					inRun--
				}
			case "p":
				b.endLine(true)
			case "tc":
				b.endCell()
			case "tr":
				b.endRow()
			case "tbl":
				b.endTable()
			}
		case xml.CharData:
			if skip == 0 && inText > 0 {
				b.text(string(t))
			}
		}
	}
	if err == io.EOF {
		err = nil
	} else {
		err = fmt.Errorf("doctext: docx: document XML: %v: %w", err, ErrFormat)
	}
	return b.String(), err
}
