package mailfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

const (
	fromPrefix = "From "
	// maxFromLine bounds how much of a From_ line is kept to find the envelope sender.
	maxFromLine = 1024
	// mboxBufSize is the read buffer; a quoting prefix (">>>From ") longer than this is
	// left quoted.
	mboxBufSize = 64 << 10
)

// mboxSplitter reads an mbox stream line by line and hands out one message at a time.
//
// A message starts at a line beginning "From " that is the first line of the stream or
// follows a blank line. The From_ line itself is not part of the message; its second word
// is the envelope sender. A line matching ^>+From  loses one '>' (mboxrd; for mboxo this
// undoes the only quoting it does). The blank line before the next From_ line (or at the
// end of the stream) separates messages and is dropped. Everything else, CRLF or LF line
// ends included, is kept byte for byte.
type mboxSplitter struct {
	br   *bufio.Reader
	name string
	max  int64
	fn   func(Message) error

	n         int          // messages started so far
	started   bool         // a message is open
	buf       bytes.Buffer // the open message, while within the limit
	size      int64        // the open message's size so far
	over      bool         // the open message passed the limit; buf was dropped
	from      string       // the open message's envelope sender
	prevBlank bool         // the previous line was empty
}

// splitMbox calls fn for each message of the mbox in r; name prefixes message names.
// Messages larger than max bytes are reported with ErrTooLarge. An error from fn stops
// the split and is returned as is.
func splitMbox(r io.Reader, name string, max int64, bufSize int, fn func(Message) error) error {
	s := &mboxSplitter{br: bufio.NewReaderSize(r, bufSize), name: name, max: max, fn: fn}
	return s.run()
}

func (s *mboxSplitter) run() error {
	for {
		isFrom, quoted, err := s.lineStart()
		if err == io.EOF {
			return s.finish()
		}
		if err != nil {
			return fmt.Errorf("mailfile: reading %s after message %d: %w", s.name, s.n, err)
		}
		if isFrom && (s.prevBlank || !s.started) {
			line, err := s.readFromLine()
			if err != nil {
				return fmt.Errorf("mailfile: reading %s after message %d: %w", s.name, s.n, err)
			}
			if err := s.finish(); err != nil {
				return err
			}
			s.begin(envelopeFrom(line))
			continue
		}
		if !s.started {
			s.begin("") // data before any From_ line: a message without envelope
		}
		if quoted {
			if _, err := s.br.ReadByte(); err != nil { // drop one '>' of ^>+From
				return fmt.Errorf("mailfile: reading %s in message %d: %w", s.name, s.n, err)
			}
		}
		if err := s.copyLine(); err != nil {
			return fmt.Errorf("mailfile: reading %s in message %d: %w", s.name, s.n, err)
		}
	}
}

// lineStart looks, without consuming, at the line about to be read: whether it is a From_
// line, or a quoted one (^>+From ). It returns io.EOF at the end of the stream.
func (s *mboxSplitter) lineStart() (isFrom, quoted bool, err error) {
	b, err := s.br.Peek(1)
	if err != nil {
		return false, false, err
	}
	switch b[0] {
	case 'F':
		p, _ := s.br.Peek(len(fromPrefix))
		return string(p) == fromPrefix, false, nil
	case '>':
		for n := 64; ; n *= 2 {
			n = min(n, s.br.Size())
			p, _ := s.br.Peek(n)
			i := bytes.IndexFunc(p, func(r rune) bool { return r != '>' })
			complete := len(p) < n || n == s.br.Size() // nothing more can be seen
			if i >= 0 && (len(p)-i >= len(fromPrefix) || complete) {
				return false, bytes.HasPrefix(p[i:], []byte(fromPrefix)), nil
			}
			if complete {
				return false, false, nil // '>' to the end of what can be seen
			}
		}
	}
	return false, false, nil
}

// readFromLine consumes a From_ line and returns its first maxFromLine bytes.
func (s *mboxSplitter) readFromLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := s.br.ReadSlice('\n')
		if len(line) < maxFromLine {
			line = append(line, chunk[:min(len(chunk), maxFromLine-len(line))]...)
		}
		switch {
		case err == nil || err == io.EOF:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// copyLine consumes one line into the open message.
func (s *mboxSplitter) copyLine() error {
	first := true
	for {
		chunk, err := s.br.ReadSlice('\n')
		if first {
			s.prevBlank = isBlank(chunk)
			first = false
		} else if len(chunk) > 0 {
			s.prevBlank = false
		}
		s.add(chunk)
		switch {
		case err == nil || err == io.EOF:
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return err
		}
	}
}

// isBlank reports whether a whole line is empty: "\n" or "\r\n".
func isBlank(line []byte) bool {
	return string(line) == "\n" || string(line) == "\r\n"
}

// begin opens a new message.
func (s *mboxSplitter) begin(from string) {
	s.n++
	s.started = true
	s.buf = bytes.Buffer{}
	s.size, s.over, s.from, s.prevBlank = 0, false, from, false
}

// add appends bytes to the open message, dropping them once it is too large. Two bytes
// of slack leave room for the separating blank line that finish drops.
func (s *mboxSplitter) add(b []byte) {
	s.size += int64(len(b))
	if s.over {
		return
	}
	if s.size > s.max+2 {
		s.over = true
		s.buf = bytes.Buffer{}
		return
	}
	s.buf.Write(b)
}

// finish hands the open message, if any, to fn.
func (s *mboxSplitter) finish() error {
	if !s.started {
		return nil
	}
	s.started = false
	m := Message{Name: s.name + "#" + strconv.Itoa(s.n), EnvelopeFrom: s.from}
	if !s.over {
		m.Data = dropSeparator(s.buf.Bytes())
		if int64(len(m.Data)) > s.max {
			s.over = true
		}
	}
	if s.over {
		m.Data = nil
		m.Err = fmt.Errorf("mailfile: %s: %w (over %d bytes)", m.Name, ErrTooLarge, s.max)
	}
	s.buf = bytes.Buffer{}
	return s.fn(m)
}

// dropSeparator removes the blank line that ends a message in an mbox, if there is one.
func dropSeparator(b []byte) []byte {
	switch {
	case len(b) == 1 && b[0] == '\n':
		return b[:0]
	case len(b) == 2 && string(b) == "\r\n":
		return b[:0]
	case bytes.HasSuffix(b, []byte("\n\r\n")):
		return b[:len(b)-2]
	case bytes.HasSuffix(b, []byte("\n\n")):
		return b[:len(b)-1]
	}
	return b
}

// envelopeFrom returns the sender word of a From_ line ("From sender date..."); "-" and
// an absent word give "".
func envelopeFrom(line []byte) string {
	rest := bytes.TrimLeft(line[len(fromPrefix):], " \t")
	if i := bytes.IndexAny(rest, " \t\r\n"); i >= 0 {
		rest = rest[:i]
	}
	if string(rest) == "-" {
		return ""
	}
	return string(rest)
}
