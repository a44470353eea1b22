package parse

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// errHeaderTooBig is the header limit of Options.MaxHeaderBytes.
var errHeaderTooBig = errors.New("header too big")

// readEntity reads a message's header within the header limit and makes its entity.
// It is go-message's ReadWithOptions, with the decoding of newEntity.
func (w *walker) readEntity(r io.Reader) (*message.Entity, error) {
	lr := &headerLimit{r: r, n: w.opts.MaxHeaderBytes}
	if lr.n <= 0 {
		lr.n = math.MaxInt64
	}
	br := bufio.NewReader(lr)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, err
	}
	lr.n = math.MaxInt64
	return w.newEntity(h, br)
}

type headerLimit struct {
	r io.Reader
	n int64
}

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooBig
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// newEntity makes the entity of a header and its undecoded body, decoding the transfer
// encoding and charset as go-message does, with one exception: a text part declared
// base64 whose body is plain text, not base64, is read as written (a careful reader does
// the same; a decoder that skips what is not base64 makes garbage of it).
func (w *walker) newEntity(h textproto.Header, body io.Reader) (*message.Entity, error) {
	mh := message.Header{Header: h}
	if !strings.EqualFold(strings.TrimSpace(h.Get("Content-Transfer-Encoding")), "base64") {
		return message.New(mh, body)
	}
	mediaType, _, _ := mh.ContentType()
	if mediaType != "" && !strings.HasPrefix(strings.ToLower(mediaType), "text/") {
		return message.New(mh, body)
	}
	raw, err := io.ReadAll(w.limited(body))
	if err == nil && plainNotBase64(raw) {
		w.res.problem("text part declared base64 holds plain text; read as written")
		plain := h.Copy()
		plain.Del("Content-Transfer-Encoding")
		return message.New(message.Header{Header: plain}, bytes.NewReader(raw))
	}
	return message.New(mh, bytes.NewReader(raw))
}

// plainNotBase64 reports whether b is text that is not base64: it does not decode, and it
// reads as words (valid UTF-8, with spaces between words on its lines).
func plainNotBase64(b []byte) bool {
	compact := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, b)
	if _, err := base64.StdEncoding.DecodeString(string(compact)); err == nil {
		return false
	}
	if !utf8.Valid(b) {
		return false
	}
	text := bytes.TrimSpace(b)
	spaces := bytes.Count(text, []byte(" "))
	return len(text) > 0 && spaces*20 >= len(text) // about one space in twenty bytes, as in prose
}
