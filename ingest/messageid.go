package ingest

import (
	"bufio"
	"bytes"
	"io"

	"github.com/emersion/go-message/textproto"
)

// maxHeaderScan bounds how far into a message the Message-ID is looked for.
const maxHeaderScan = 1 << 20

// headerMessageID returns the Message-ID header of raw as written, or "" when there is none
// or the header cannot be read. The store normalises it.
func headerMessageID(raw []byte) string {
	if len(raw) > maxHeaderScan {
		raw = raw[:maxHeaderScan]
	}
	if bytes.HasPrefix(raw, []byte("From ")) { // an mbox separator line
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), maxHeaderScan)))
	if err != nil && h.Len() == 0 {
		return ""
	}
	return h.Get("Message-Id")
}
