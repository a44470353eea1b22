package doctext

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
)

// pdfFile holds the objects of a PDF found by scanning the whole file for
// "n g obj" (so damaged or truncated cross-reference tables do not matter),
// plus those inside object streams.
type pdfFile struct {
	objs    map[int]any
	trailer pdfDict
	budget  budget
	err     error // first budget error
}

// maxObjStm bounds the objects read from one object stream.
const maxObjStm = 100000

func scanPDF(data []byte, limit int64) (*pdfFile, error) {
	head := data[:min(len(data), 1024)]
	if bytes.Index(head, []byte("%PDF-")) < 0 {
		return nil, fmt.Errorf("doctext: pdf: no %%PDF- header: %w", ErrFormat)
	}
	f := &pdfFile{objs: map[int]any{}, budget: budget{left: limit}}
	var objStms []*pdfStream
	l := &pdfLexer{b: data, objMode: true}
	pos := 0
	for pos < len(data) {
		i := bytes.Index(data[pos:], []byte("obj"))
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + 3
		if at >= 3 && string(data[at-3:at]) == "end" {
			continue
		}
		if at+3 < len(data) && isRegular(data[at+3]) {
			continue
		}
		num, ok := objNumBefore(data, at)
		if !ok {
			continue
		}
		l.pos = at + 3
		v, err := l.value(0)
		if _, isKw := v.(pdfKeyword); err != nil || isKw {
			if l.pos >= len(data) {
				break // runs to the end: nothing further can parse
			}
			pos = max(pos, l.tok)
			continue
		}
		if d, ok := v.(pdfDict); ok {
			l.skipSpace()
			if bytes.HasPrefix(data[l.pos:], []byte("stream")) {
				s := &pdfStream{dict: d}
				s.raw, pos = streamData(data, l.pos+6, d)
				v = s
				if d["Type"] == pdfName("ObjStm") {
					objStms = append(objStms, s)
				}
				if d["Type"] == pdfName("XRef") {
					mergeTrailer(&f.trailer, d)
				}
				f.objs[num] = v
				continue
			}
		}
		f.objs[num] = v
		pos = l.pos
	}
	// Trailer dictionaries: the last one wins for each key.
	for pos := 0; ; {
		i := bytes.Index(data[pos:], []byte("trailer"))
		if i < 0 {
			break
		}
		l.pos = pos + i + 7
		pos = l.pos
		v, err := l.value(0)
		if err != nil {
			if l.pos >= len(data) {
				break
			}
			pos = max(pos, l.tok)
			continue
		}
		if d, ok := v.(pdfDict); ok {
			mergeTrailer(&f.trailer, d)
		}
	}
	for _, s := range objStms {
		if err := f.readObjStm(s); err != nil {
			return f, err
		}
	}
	return f, nil
}

func mergeTrailer(t *pdfDict, d pdfDict) {
	if *t == nil {
		*t = pdfDict{}
	}
	for _, k := range []pdfName{"Root", "Info", "Encrypt"} {
		if v, ok := d[k]; ok {
			(*t)[k] = v
		}
	}
}

// objNumBefore parses "num gen " backwards from the "obj" keyword at at.
func objNumBefore(b []byte, at int) (int, bool) {
	i := at
	skipSp := func() {
		for i > 0 && isPDFSpace(b[i-1]) && at-i < 64 {
			i--
		}
	}
	digits := func() (int, bool) {
		end := i
		for i > 0 && b[i-1] >= '0' && b[i-1] <= '9' && end-i < 10 {
			i--
		}
		if i == end {
			return 0, false
		}
		n, err := strconv.Atoi(string(b[i:end]))
		return n, err == nil
	}
	skipSp()
	if _, ok := digits(); !ok {
		return 0, false
	}
	if i == at || !isPDFSpace(b[i-1]) {
		return 0, false
	}
	skipSp()
	num, ok := digits()
	if !ok || (i > 0 && isRegular(b[i-1])) {
		return 0, false
	}
	return num, true
}

// streamData returns the raw bytes of a stream whose "stream" keyword ends
// at p, and the position after it. A direct /Length is trusted when
// "endstream" follows it; otherwise the data runs to the next "endstream"
// (or the end of a truncated file).
func streamData(b []byte, p int, d pdfDict) ([]byte, int) {
	if p < len(b) && b[p] == '\r' {
		p++
	}
	if p < len(b) && b[p] == '\n' {
		p++
	}
	if n, ok := d["Length"].(float64); ok && n >= 0 && n <= float64(len(b)-p) {
		end := p + int(n)
		q := end
		for q < len(b) && isPDFSpace(b[q]) && q-end < 8 {
			q++
		}
		if bytes.HasPrefix(b[q:], []byte("endstream")) {
			return b[p:end], q + 9
		}
	}
	i := bytes.Index(b[p:], []byte("endstream"))
	if i < 0 {
		return b[p:], len(b)
	}
	end := p + i
	if end > p && b[end-1] == '\n' {
		end--
	}
	if end > p && b[end-1] == '\r' {
		end--
	}
	return b[p:end], p + i + 9
}

func (f *pdfFile) readObjStm(s *pdfStream) error {
	data, err := f.decode(s)
	if err != nil {
		return err
	}
	n, _ := f.resolve(s.dict["N"]).(float64)
	first, _ := f.resolve(s.dict["First"]).(float64)
	if n <= 0 || first < 0 || first > float64(len(data)) {
		return nil
	}
	n = min(n, maxObjStm)
	l := &pdfLexer{b: data[:int(first)]}
	type entry struct{ num, off int }
	var entries []entry
	for k := 0; k < int(n); k++ {
		a, err1 := l.value(0)
		b, err2 := l.value(0)
		an, ok1 := a.(float64)
		bn, ok2 := b.(float64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || an < 0 || bn < 0 || an > 1<<30 || bn > 1<<30 {
			break
		}
		entries = append(entries, entry{int(an), int(bn)})
	}
	body := data[int(first):]
	ol := &pdfLexer{b: body, objMode: true}
	next := 0 // offsets must increase, so each byte is parsed once
	for _, e := range entries {
		if e.off >= len(body) || e.off < next {
			continue
		}
		if _, exists := f.objs[e.num]; exists {
			continue
		}
		ol.pos = e.off
		v, err := ol.value(0)
		next = max(ol.pos, e.off+1)
		if err != nil {
			continue
		}
		if _, isKw := v.(pdfKeyword); isKw {
			continue
		}
		f.objs[e.num] = v
	}
	return nil
}

// resolve follows references (a bounded number of times).
func (f *pdfFile) resolve(v any) any {
	for i := 0; i < 16; i++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = f.objs[r.num]
	}
	return nil
}

func (f *pdfFile) dict(v any) pdfDict {
	switch t := f.resolve(v).(type) {
	case pdfDict:
		return t
	case *pdfStream:
		return t.dict
	}
	return nil
}

// decode returns the decoded data of a stream, charging it to the budget.
// A damaged compressed stream yields what could be decoded; unsupported
// filters yield nil. Only exceeding the budget is an error.
func (f *pdfFile) decode(s *pdfStream) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	// Every decoding costs at least minCharge, which bounds how often
	// (nested) form XObjects and shared content streams can be run.
	const minCharge = 64
	if f.budget.left -= minCharge; f.budget.left < 0 {
		f.err = fmt.Errorf("doctext: pdf: decompressed streams over the limit: %w", ErrTooLarge)
		return nil, f.err
	}
	data := s.raw
	var filters []any
	switch t := f.resolve(s.dict["Filter"]).(type) {
	case pdfName:
		filters = []any{t}
	case pdfArray:
		filters = t
	}
	if len(filters) > 8 {
		return nil, nil
	}
	for _, fl := range filters {
		name, _ := f.resolve(fl).(pdfName)
		var r io.Reader
		switch name {
		case "FlateDecode", "Fl":
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				r = flate.NewReader(bytes.NewReader(data))
			} else {
				r = zr
			}
		case "ASCIIHexDecode", "AHx":
			r = bytes.NewReader(asciiHex(data))
		case "ASCII85Decode", "A85":
			r = bytes.NewReader(ascii85(data))
		case "RunLengthDecode", "RL":
			r = bytes.NewReader(runLength(data, f.budget.left+1))
		default:
			return nil, nil
		}
		out, _ := io.ReadAll(io.LimitReader(r, f.budget.left+1))
		f.budget.left -= int64(len(out))
		if f.budget.left < 0 {
			f.err = fmt.Errorf("doctext: pdf: decompressed streams over the limit: %w", ErrTooLarge)
			return nil, f.err
		}
		data = out
	}
	if len(filters) == 0 {
		f.budget.left -= int64(len(data))
		if f.budget.left < 0 {
			f.err = fmt.Errorf("doctext: pdf: streams over the limit: %w", ErrTooLarge)
			return nil, f.err
		}
	}
	return data, nil
}

func asciiHex(b []byte) []byte {
	out := make([]byte, 0, len(b)/2)
	var hi byte
	half := false
	for _, c := range b {
		if c == '>' {
			break
		}
		v, ok := unhex(c)
		if !ok {
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

func ascii85(b []byte) []byte {
	if i := bytes.Index(b, []byte("<~")); i >= 0 {
		b = b[i+2:]
	}
	out := make([]byte, 0, len(b))
	var v uint32
	n := 0
	for _, c := range b {
		switch {
		case c == '~':
			goto done
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
		case c >= '!' && c <= 'u':
			v = v*85 + uint32(c-'!')
			n++
			if n == 5 {
				out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
				v, n = 0, 0
			}
		}
	}
done:
	if n > 1 {
		for k := n; k < 5; k++ {
			v = v*85 + 84
		}
		tmp := []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		out = append(out, tmp[:n-1]...)
	}
	return out
}

func runLength(b []byte, max int64) []byte {
	var out []byte
	for i := 0; i < len(b) && int64(len(out)) < max; {
		n := int(b[i])
		i++
		switch {
		case n < 128:
			end := min(i+n+1, len(b))
			out = append(out, b[i:end]...)
			i = end
		case n > 128:
			if i < len(b) {
				out = append(out, bytes.Repeat(b[i:i+1], 257-n)...)
				i++
			}
		default:
			return out
		}
	}
	return out
}
