package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/emersion/go-smtp"
)

// captured is one mail the capture relay received.
type captured struct {
	From string
	To   []string
	Raw  []byte
}

// captureRelay is an in-process SMTP server standing in for the outgoing relay: it takes
// every mail liaisond sends and hands it to a channel, so the demo and the tests can see it.
type captureRelay struct {
	srv  *smtp.Server
	addr string
	mail chan captured
}

func newCaptureRelay() (*captureRelay, error) {
	r := &captureRelay{mail: make(chan captured, 100)}
	r.srv = smtp.NewServer(r)
	r.srv.Domain = "relay.localhost"
	r.srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r.addr = l.Addr().String()
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

func (r *captureRelay) Close() error { return r.srv.Close() }

// NewSession implements smtp.Backend.
func (r *captureRelay) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &relaySession{r: r}, nil
}

type relaySession struct {
	r    *captureRelay
	mu   sync.Mutex
	from string
	to   []string
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		return err
	}
	select {
	case s.r.mail <- captured{From: s.from, To: s.to, Raw: b.Bytes()}:
		return nil
	default:
		return errors.New("capture relay full")
	}
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }
