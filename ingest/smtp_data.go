package ingest

import (
	"bytes"
	"io"

	"github.com/emersion/go-smtp"
)

// The listener reads a DATA message straight from the connection's read-ahead buffer,
// whole lines at a time, instead of through go-smtp's reader, which takes one byte per
// call under two state machines: that was about 80% of the listener's CPU at 200 KB a
// message. It works because limitedConn hands go-smtp at most one line per read outside a
// message, so when go-smtp answers 354 it has nothing of the message buffered; the
// listener then takes the message from the buffer and the socket, and gives go-smtp only
// the end marker, so that go-smtp's reader ends at once and its state stays right.
// Over TLS the connection carries ciphertext, and go-smtp's reader is used as before.

// endOfData is what go-smtp's DATA reader is given after the listener took the message.
const endOfData = ".\r\n"

// readBody reads the message that follows the 354 reply up to its end marker, as RFC 5321
// says (lines end in CRLF, a leading dot is removed, a line of one dot ends the message),
// into a new buffer of reserve free bytes plus the message. go-smtp's own reader, still
// used over TLS, differs in three corners: it drops the CR in ".\rX", it does not see a
// line start after "\r\r\n" (so ".\r\n" there does not end the message), and it refuses
// a message of exactly maxBytes. Past maxBytes it reads on to the end and fails with
// smtp.ErrDataTooLarge; a line of maxLine bytes or more fails with smtp.ErrTooLongLine, as
// go-smtp's line limit does, and leaves the connection unusable. Neither limit applies
// when 0.
func (lc *limitedConn) readBody(reserve int, maxBytes int64, maxLine int) ([]byte, error) {
	var out chunks
	defer out.free()
	var total int64
	tooLarge := false
	bol := true     // at the start of a line
	prevCR := false // the last byte taken was a CR: a CRLF may span two reads
	lineLen := 0    // bytes since the last LF, for the line limit
	take := func(p []byte) {
		switch {
		case tooLarge:
		case maxBytes > 0 && total+int64(len(p)) > maxBytes:
			tooLarge = true
		default:
			total += int64(len(p))
			out.write(p)
		}
	}
	for {
		if bol {
			b, err := lc.buffered(3)
			if len(b) > 0 && b[0] == '.' {
				if len(b) >= 3 && b[1] == '\r' && b[2] == '\n' {
					lc.rpos += 3
					break
				}
				if len(b) < 3 && err != nil {
					return nil, lc.bodyFailed(err)
				}
				lc.rpos++ // the stuffed dot
				lineLen++
			}
			bol = false
		}
		b, err := lc.buffered(1)
		if len(b) == 0 {
			return nil, lc.bodyFailed(err)
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b)
		}
		if lineLen += i; maxLine > 0 && lineLen >= maxLine {
			return nil, lc.bodyFailed(smtp.ErrTooLongLine)
		}
		if i == len(b) {
			take(b)
			prevCR = b[len(b)-1] == '\r'
			lc.rpos += len(b)
			continue
		}
		take(b[:i+1])
		bol = i > 0 && b[i-1] == '\r' || i == 0 && prevCR
		prevCR, lineLen = false, 0
		lc.rpos += i + 1
	}
	lc.inject = []byte(endOfData)
	if tooLarge {
		return nil, smtp.ErrDataTooLarge
	}
	return out.bytes(reserve), nil
}

// buffered returns the unread bytes of the read-ahead buffer, reading from the socket
// first when fewer than n are there. With fewer than n it also returns why.
func (lc *limitedConn) buffered(n int) ([]byte, error) {
	for len(lc.rbuf)-lc.rpos < n {
		if err := lc.fill(); err != nil {
			return lc.rbuf[lc.rpos:], err
		}
	}
	return lc.rbuf[lc.rpos:], nil
}

// bodyFailed makes a failure while reading a message the connection's state: go-smtp's
// reader, and every read after it, gets the same error, as with go-smtp's own reader.
func (lc *limitedConn) bodyFailed(err error) error {
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	lc.sticky = err
	return err
}

// readData reads the message of a DATA command: from the connection when takeData said
// so (see above), through go-smtp's reader r otherwise.
func (se *session) readData(r io.Reader, reserve int, fast bool) ([]byte, error) {
	lc := se.lc
	if !fast {
		return readMessage(r, reserve)
	}
	raw, err := lc.readBody(reserve, int64(se.s.cfg.MaxMessageBytes), se.s.cfg.MaxLineLength)
	_, _ = io.Copy(io.Discard, r) // go-smtp's reader takes the end marker, or the error
	return raw, err
}

// takeData reports whether the message of this DATA command is for the listener to read
// (see readData), and clears the note, so that it never outlives its command.
func (se *session) takeData() bool {
	return se.lc != nil && se.lc.dataNext.Swap(false)
}
