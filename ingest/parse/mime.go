package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset" // every charset in the wild, not only UTF-8
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	liaisond "github.com/ietf-tools/liaisond"
)

// Mail labelled ISO-8859-1 is nearly always Windows-1252 (curly quotes and dashes in
// 0x80-0x9F, which Latin-1 has as control codes): read it so, as browsers do (WHATWG
// Encoding Standard), in bodies and in encoded-words alike.
func init() {
	for _, label := range []string{"iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1",
		"l1", "cp819", "ibm819", "iso-ir-100", "csisolatin1"} {
		charset.RegisterEncoding(label, charmap.Windows1252)
	}
}

// entity is one message (the outer one or a message/rfc822 inside it) read into what the
// parser needs: its header, its body text and the files it carries.
type entity struct {
	header mail.Header
	// text is the readable body: text/plain parts in order, an HTML alternative when it
	// carries more than the plain one, HTML-only parts converted to text.
	text string
	// files are attachments directly in this message (not inside an attached message).
	files []File
	// inner are attached messages (message/rfc822), read recursively.
	inner []*entity
	// report is true for multipart/report (DSN, MDN) and message/delivery-status parts.
	report bool
	// digest is true for multipart/digest.
	digest bool
	// calendar is true when a part is a text/calendar invitation or answer.
	calendar bool
}

// walker reads a MIME tree within the limits of its Options.
type walker struct {
	opts     Options
	res      *Result
	parts    int
	decoded  int64
	deadline time.Time
	stopped  bool
}

func (w *walker) read(r io.Reader, depth int) *entity {
	e, err := w.readEntity(r)
	if e == nil {
		w.res.problem("message header unreadable: " + shortErr(err))
		return &entity{}
	}
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		w.res.problem("message header: " + shortErr(err))
	}
	ent := &entity{header: mail.Header{Header: e.Header}}
	var texts textParts
	w.walk(e, err, depth, ent, &texts)
	ent.text = texts.join()
	return ent
}

// walk visits one MIME entity; leaves become text or files, message/rfc822 becomes inner.
func (w *walker) walk(e *message.Entity, readErr error, depth int, ent *entity, texts *textParts) {
	w.parts++
	if w.parts > w.opts.MaxParts {
		w.stop(fmt.Sprintf("more than %d MIME parts; the rest was not read", w.opts.MaxParts))
		return
	}
	if depth > w.opts.MaxDepth {
		w.stop(fmt.Sprintf("MIME nesting deeper than %d; the rest was not read", w.opts.MaxDepth))
		return
	}
	if time.Now().After(w.deadline) {
		w.stop("parse time limit reached; the rest was not read")
		return
	}
	if message.IsUnknownEncoding(readErr) {
		w.res.problem("unknown transfer encoding, part kept undecoded: " + shortErr(readErr))
	}
	mediaType, params, ctErr := e.Header.ContentType()
	if ctErr != nil {
		// The parameters could not be read: the type is what stands before them.
		mediaType = strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0])
		if mediaType == "" {
			mediaType = "text/plain"
		}
	}
	mediaType = strings.ToLower(mediaType)
	switch {
	case mediaType == "multipart/report":
		ent.report = true
	case mediaType == "multipart/digest":
		ent.digest = true
	case mediaType == "message/delivery-status", mediaType == "message/disposition-notification":
		ent.report = true
	case mediaType == "text/calendar" && params["method"] != "" && !strings.EqualFold(params["method"], "PUBLISH"):
		ent.calendar = true
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		w.walkMultipart(e, mediaType, depth, ent, texts)
		return
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	name := partFilename(e.Header, params, dparams)
	if mediaType == "message/rfc822" || mediaType == "message/global" {
		inner := w.read(w.limited(e.Body), depth+1)
		ent.inner = append(ent.inner, inner)
		return
	}
	data, err := io.ReadAll(w.limited(e.Body))
	if err != nil {
		w.res.problem(fmt.Sprintf("part %q (%s) damaged, kept what was readable: %s", name, mediaType, shortErr(err)))
	}
	w.decoded += int64(len(data))
	isText := mediaType == "text/plain" || mediaType == "text/html" || mediaType == "text/enriched"
	if isText && name == "" && !strings.EqualFold(disp, "attachment") {
		switch {
		case mediaType == "text/html":
			texts.add(data, true)
		case strings.EqualFold(params["format"], "flowed"):
			texts.add([]byte(unflow(string(data), strings.EqualFold(params["delsp"], "yes"))), false)
		default:
			texts.add(data, false)
		}
		return
	}
	if !isText && name == "" && !strings.EqualFold(disp, "attachment") {
		// An unnamed inline non-text part (an image in a signature) is not a statement file.
		if !strings.HasPrefix(mediaType, "application/") {
			return
		}
	}
	ent.files = append(ent.files, w.file(name, mediaType, data))
}

func (w *walker) walkMultipart(e *message.Entity, mediaType string, depth int, ent *entity, texts *textParts) {
	boundary := ""
	if _, params, err := e.Header.ContentType(); err == nil {
		boundary = params["boundary"]
	}
	if boundary == "" {
		// A boundary parameter the strict parser refused (an unclosed quote): take it as
		// written, and read the parts with it.
		if boundary = looseBoundary(e.Header.Get("Content-Type")); boundary == "" {
			w.res.problem(mediaType + " without a usable boundary; read as text")
			data, _ := io.ReadAll(w.limited(e.Body))
			texts.add(data, false)
			return
		}
		w.res.problem(mediaType + " with a malformed boundary parameter; read with " + strconv.Quote(boundary))
	}
	w.walkParts(textproto.NewMultipartReader(e.Body, boundary), mediaType, depth, ent, texts)
}

// limited bounds what one part may decode to, so a hostile part cannot exhaust memory.
func (w *walker) limited(r io.Reader) io.Reader {
	left := w.opts.MaxDecodedBytes - w.decoded
	if left < 0 {
		left = 0
	}
	return &limitReader{r: r, n: left, w: w}
}

type limitReader struct {
	r io.Reader
	n int64
	w *walker
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.w.stop(fmt.Sprintf("decoded content larger than %d bytes; the rest was not read", l.w.opts.MaxDecodedBytes))
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func (w *walker) stop(why string) {
	if !w.stopped {
		w.res.problem(why)
	}
	w.stopped = true
}

func (w *walker) file(name, mediaType string, data []byte) File {
	sum := sha256.Sum256(data)
	safe := SafeFilename(name)
	if name != "" && safe != name {
		w.res.problem(fmt.Sprintf("attachment name %q is unsafe; recorded as %q", name, safe))
	}
	if safe == "" {
		safe = "attachment" + extensionFor(mediaType)
	}
	if strings.EqualFold(safe, "winmail.dat") || mediaType == "application/ms-tnef" {
		w.res.problem("winmail.dat (TNEF) attachment kept as it is; its contents were not read")
	}
	return File{
		Attachment: liaisond.Attachment{
			Filename:    safe,
			ContentType: mediaType,
			Size:        int64(len(data)),
			SHA256:      hex.EncodeToString(sum[:]),
		},
		Data: data,
	}
}

// partFilename returns the declared file name from Content-Disposition or Content-Type,
// decoding RFC 2231 and RFC 2047 forms, and falling back to the raw parameter when a
// charset is unknown.
func partFilename(h message.Header, ctParams, dParams map[string]string) string {
	name := dParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	if name == "" {
		// An RFC 2231 name in a charset Go's mime package does not read.
		name = rfc2231Value(h.Get("Content-Disposition"), "filename")
		if name == "" {
			name = rfc2231Value(h.Get("Content-Type"), "name")
		}
	}
	if name == "" {
		return ""
	}
	if strings.Contains(name, "=?") {
		dec := mime.WordDecoder{CharsetReader: message.CharsetReader}
		if s, err := dec.DecodeHeader(name); err == nil {
			name = s
		}
	}
	return strings.TrimSpace(name)
}

func extensionFor(mediaType string) string {
	if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

func shortErr(err error) string {
	if err == nil {
		return "unknown error"
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// textParts collects the readable text of a message in order.
type textParts struct {
	parts []textPart
}

type textPart struct {
	data []byte
	html bool
}

func (t *textParts) add(data []byte, html bool) {
	t.parts = append(t.parts, textPart{data: data, html: html})
}

func (t *textParts) merge(o textParts) {
	t.parts = append(t.parts, o.parts...)
}

func (t *textParts) join() string {
	var b strings.Builder
	for i, p := range t.parts {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.text())
	}
	return b.String()
}

func (p textPart) text() string {
	if p.html {
		return htmlText(p.data)
	}
	return cleanText(p.data)
}

// bestAlternative picks, among the alternatives of a multipart/alternative, the one that a
// reader would take: the plain text, unless another one carries more statement fields (an
// HTML table with a stub text part).
func bestAlternative(alts []textParts) textParts {
	best, bestScore := -1, -1
	for i, a := range alts {
		if len(a.parts) == 0 {
			continue
		}
		score := countLabels(a.join())
		plain := !a.parts[0].html
		if best < 0 || score > bestScore || (score == bestScore && plain && alts[best].parts[0].html) {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return textParts{}
	}
	return alts[best]
}

// cleanText makes decoded text comparable: CRLF to LF, NUL and other control bytes out,
// invalid UTF-8 replaced.
func cleanText(b []byte) string {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	s := string(b)
	if !utf8.Valid(b) {
		// Text in an unknown or wrong charset: Windows-1252 is what such mail nearly always
		// is, and reading it so keeps names ("José") that U+FFFD would lose.
		if dec, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
			s = string(dec)
		} else {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20 || r == 0x7f:
			return -1
		case r == '\u00a0':
			return ' '
		}
		return r
	}, s)
}

var boundaryParam = regexp.MustCompile(`(?i);\s*boundary\s*=\s*"?([^";\r\n]+)`)

// looseBoundary reads a boundary parameter as written, for Content-Type values the MIME
// parser refuses.
func looseBoundary(ct string) string {
	if m := boundaryParam.FindStringSubmatch(ct); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// walkParts reads the parts of a multipart body; of multipart/alternative it keeps the
// best text.
func (w *walker) walkParts(mr *textproto.MultipartReader, mediaType string, depth int, ent *entity, texts *textParts) {
	alternative := mediaType == "multipart/alternative"
	var alts []textParts
	for !w.stopped {
		p, err := mr.NextPart()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				w.res.problem(mediaType + ": " + shortErr(err))
			}
			break
		}
		part, perr := w.newEntity(p.Header, p)
		if part == nil {
			w.res.problem(mediaType + " part unreadable: " + shortErr(perr))
			continue
		}
		if alternative {
			var alt textParts
			w.walk(part, perr, depth+1, ent, &alt)
			alts = append(alts, alt)
			continue
		}
		w.walk(part, perr, depth+1, ent, texts)
	}
	if alternative {
		texts.merge(bestAlternative(alts))
	}
}
