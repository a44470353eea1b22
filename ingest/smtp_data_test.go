package ingest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

// chunkedConn is a net.Conn whose reads return the input in pieces of the given sizes.
type chunkedConn struct {
	net.Conn
	in    []byte
	sizes []int
}

func (c *chunkedConn) Read(b []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := len(c.in)
	if len(c.sizes) > 0 {
		n = max(1, min(n, c.sizes[0]))
		c.sizes = append(c.sizes[1:], c.sizes[0])
	}
	n = copy(b, c.in[:n])
	c.in = c.in[n:]
	return n, nil
}

// refBody is the meaning of a DATA stream, written the plain way: lines end in CRLF, a
// line of one dot ends the message, a leading dot is removed.
func refBody(in []byte) (body, rest []byte, ok bool) {
	body = []byte{}
	for {
		i := bytes.Index(in, []byte("\r\n"))
		if i < 0 {
			return nil, nil, false
		}
		line := in[:i+2]
		in = in[i+2:]
		if string(line) == ".\r\n" {
			return body, in, true
		}
		body = append(body, bytes.TrimPrefix(line, []byte("."))...)
	}
}

// readAfter reads what go-smtp would get from the connection after the message: the end
// marker, then the following commands.
func readAfter(lc *limitedConn) ([]byte, error) {
	var got []byte
	b := make([]byte, 7)
	for {
		n, err := lc.Read(b)
		got = append(got, b[:n]...)
		if err != nil {
			return got, err
		}
	}
}

func checkBody(t *testing.T, in []byte, sizes []int) {
	t.Helper()
	lc := &limitedConn{Conn: &chunkedConn{in: in, sizes: sizes}}
	got, err := lc.readBody(5, 0, 0)
	want, rest, ok := refBody(in)
	if !ok {
		if err == nil {
			t.Fatalf("%q: read %q, want an error (no end marker)", in, got)
		}
		return
	}
	if err != nil || !bytes.Equal(got[5:], want) {
		t.Fatalf("%q in reads of %v: %q, %v; want %q", in, sizes, got, err, want)
	}
	after, err := readAfter(lc)
	if err != io.EOF || string(after) != endOfData+string(rest) {
		t.Fatalf("%q: after the message go-smtp reads %q (%v), want %q", in, after, err, endOfData+string(rest))
	}
}

func TestReadBody(t *testing.T) {
	tests := []string{
		".\r\n",
		"a\r\n.\r\nQUIT\r\n",
		"..\r\n.\r\n",
		"..x\r\n...\r\n.\r\n",
		".x\r\n.\r\n",
		"\r\n.\r\n",
		"a\n.\r\nb\r\n.\r\n", // a bare LF does not start a line
		"a\r.\r\n\r\n.\r\n",
		".\rx\r\n.\r\n",
		"x\r\n.\r", // no end
		"x\r\n.",
		"x\r\n",
		"",
		strings.Repeat("line of text\r\n", 10000) + ".\r\nMAIL FROM:<a@b>\r\n",
		strings.Repeat(".stuffed\r\n", 5000) + ".\r\n",
	}
	for _, in := range tests {
		for _, sizes := range [][]int{nil, {1}, {2}, {3, 1}, {4096}, {100, 7, 1}} {
			checkBody(t, []byte(in), sizes)
		}
	}
}

func TestReadBodyLimits(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		maxBytes int64
		maxLine  int
		want     error
		after    string // what go-smtp reads next
	}{
		{"at the size limit", "12345\r\n.\r\nQUIT\r\n", 7, 0, nil, endOfData + "QUIT\r\n"},
		{"over the size limit", "123456\r\n.\r\nQUIT\r\n", 7, 0, smtp.ErrDataTooLarge, endOfData + "QUIT\r\n"},
		{"line under the limit", "123456789\r\n.\r\n", 0, 11, nil, endOfData},
		{"line at the limit", "1234567890\r\n.\r\n", 0, 11, smtp.ErrTooLongLine, ""},
		{"dot counts for the line", "..23456789\r\n.\r\n", 0, 11, smtp.ErrTooLongLine, ""},
		{"cut off", "abc\r\n", 0, 0, io.ErrUnexpectedEOF, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc := &limitedConn{Conn: &chunkedConn{in: []byte(tt.in), sizes: []int{3}}}
			_, err := lc.readBody(0, tt.maxBytes, tt.maxLine)
			if !errors.Is(err, tt.want) {
				t.Fatalf("readBody: %v, want %v", err, tt.want)
			}
			after, rerr := readAfter(lc)
			if string(after) != tt.after {
				t.Fatalf("then go-smtp reads %q, want %q", after, tt.after)
			}
			if tt.want != nil && tt.want != smtp.ErrDataTooLarge && !errors.Is(rerr, tt.want) {
				t.Fatalf("then go-smtp's read fails with %v, want %v again", rerr, tt.want)
			}
		})
	}
}

// FuzzReadBody compares the listener's message reader with the plain reading of the
// stream, for any bytes in any read sizes.
func FuzzReadBody(f *testing.F) {
	f.Add([]byte("a\r\n..b\r\n.\r\nQUIT\r\n"), []byte{1, 2, 3})
	f.Add([]byte(".\rx\r\n\n.\r\n.\r\n"), []byte{5})
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		var sz []int
		for _, s := range sizes {
			sz = append(sz, int(s))
		}
		checkBody(t, in, sz)
	})
}
