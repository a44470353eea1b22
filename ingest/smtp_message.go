package ingest

import (
	"bytes"
	"io"
	"strings"
)

// maxReceivedFields is how many Received fields a message may carry before it is taken
// for a mail loop (maddy uses 50, Postfix 50 as hopcount_limit).
const maxReceivedFields = 100

// readMessage reads a whole message from r into a new buffer of exactly reserve bytes
// (left free for the trace field) plus the message. r is go-smtp's DATA reader, which
// fails with smtp.ErrDataTooLarge past the size limit: nothing truncated is ever returned.
func readMessage(r io.Reader, reserve int) ([]byte, error) {
	var c chunks
	defer c.free()
	for {
		buf := c.space()
		n, err := r.Read(buf)
		c.wrote(n)
		if err == io.EOF {
			return c.bytes(reserve), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// headerInfo is what the listener reads from a message's header section.
type headerInfo struct {
	lf        bool   // the first line ends in a bare LF: the trace field follows suit
	messageID string // the first Message-ID field, unfolded
	received  int    // Received fields
	strip     [][2]int
	stripped  int // Authentication-Results fields removed
}

// finishMessage turns buf (reserve free bytes, then the message as received) into the
// stored copy: trace (CRLF line ends) in front, and every Authentication-Results field in
// the header section whose authserv-id is not trusted removed. Everything else keeps its
// exact bytes. With nothing to remove the result shares buf's memory.
func finishMessage(buf []byte, reserve int, trace string, trusted string) ([]byte, headerInfo) {
	msg := buf[reserve:]
	info := scanHeader(msg, trusted)
	if info.lf {
		trace = strings.ReplaceAll(trace, "\r\n", "\n")
	}
	if len(info.strip) == 0 && len(trace) <= reserve {
		start := reserve - len(trace)
		copy(buf[start:], trace)
		return buf[start:], info
	}
	out := make([]byte, 0, len(trace)+len(msg))
	out = append(out, trace...)
	prev := 0
	for _, rg := range info.strip {
		out = append(out, msg[prev:rg[0]]...)
		prev = rg[1]
	}
	out = append(out, msg[prev:]...)
	return out, info
}

// scanHeader walks the header section of msg (up to the first empty line) field by
// field, folded lines included.
func scanHeader(msg []byte, trusted string) headerInfo {
	var info headerInfo
	if nl := bytes.IndexByte(msg, '\n'); nl >= 0 {
		info.lf = nl == 0 || msg[nl-1] != '\r'
	}
	fieldStart := -1
	field := func(end int) {
		if fieldStart < 0 {
			return
		}
		f := msg[fieldStart:end]
		colon := bytes.IndexByte(f, ':')
		if colon <= 0 {
			return // not a field; kept as it is
		}
		name := string(bytes.TrimRight(f[:colon], " \t"))
		value := f[colon+1:]
		switch {
		case strings.EqualFold(name, "Received"):
			info.received++
		case strings.EqualFold(name, "Message-ID"):
			if info.messageID == "" {
				info.messageID = unfold(value)
			}
		case strings.EqualFold(name, "Authentication-Results"):
			if trusted == "" || !strings.EqualFold(authservID(value), trusted) {
				info.strip = append(info.strip, [2]int{fieldStart, end})
				info.stripped++
			}
		}
	}
	i := 0
	for i < len(msg) {
		end := len(msg)
		if nl := bytes.IndexByte(msg[i:], '\n'); nl >= 0 {
			end = i + nl + 1
		}
		line := msg[i:end]
		if len(bytes.TrimRight(line, "\r\n")) == 0 { // the empty line ending the header
			field(i)
			return info
		}
		if line[0] != ' ' && line[0] != '\t' {
			field(i)
			fieldStart = i
		}
		i = end
	}
	field(len(msg))
	return info
}

// unfold joins a field value's lines and trims it.
func unfold(v []byte) string {
	v = bytes.ReplaceAll(bytes.ReplaceAll(v, []byte("\r"), nil), []byte("\n"), nil)
	return strings.TrimSpace(string(v))
}

// authservID returns the authserv-id an Authentication-Results value starts with
// (RFC 8601: [CFWS] value, a token or a quoted string), or "".
func authservID(v []byte) string {
	i := skipCFWS(v, 0)
	if i < len(v) && v[i] == '"' {
		var b strings.Builder
		for i++; i < len(v) && v[i] != '"'; i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			if v[i] != '\r' && v[i] != '\n' {
				b.WriteByte(v[i])
			}
		}
		return b.String()
	}
	j := i
	for j < len(v) && !strings.ContainsRune(" \t\r\n;()\"", rune(v[j])) {
		j++
	}
	return string(v[i:j])
}

// skipCFWS skips white space, line breaks and (nested) comments from i.
func skipCFWS(v []byte, i int) int {
	depth := 0
	for i < len(v) {
		c := v[i]
		switch {
		case depth > 0 && c == '\\':
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0, c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			return i
		}
		i++
	}
	return i
}
