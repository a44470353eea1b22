package main

import (
	"bytes"
	"fmt"
	"net"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// memIMAP is an in-process IMAP server (go-imap's imapmemserver) on a loopback port: a
// chair's mailbox for the demo and the tests, polled by the real poller.
type memIMAP struct {
	srv  *imapserver.Server
	user *imapmemserver.User
	addr string
}

func newMemIMAP(username, password string) (*memIMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       nopLogger{},
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(l) }()
	return &memIMAP{srv: srv, user: user, addr: l.Addr().String()}, nil
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// add appends a message to a mailbox, as a mail server delivering it would.
func (m *memIMAP) add(mailbox string, raw []byte) error {
	if _, err := m.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{}); err != nil {
		return fmt.Errorf("imap append: %w", err)
	}
	return nil
}

func (m *memIMAP) Close() error { return m.srv.Close() }
