package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Default returns the configuration `liaisond demo` runs on: everything under dir (created if
// missing), one SMTP listener on a free loopback port, outgoing mail to a loopback relay
// without TLS, console logs. It writes a random token secret to dir/token.key unless one is
// there, so the result passes Check(true). The demo fills in its own IMAP accounts and relay
// address.
func Default(dir string) (*Config, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("config: demo directory %s: %w", dir, err)
	}
	secret := filepath.Join(dir, "token.key")
	if _, err := os.Stat(secret); errors.Is(err, fs.ErrNotExist) {
		b := make([]byte, 32)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		if err := os.WriteFile(secret, []byte(hex.EncodeToString(b)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("config: demo token secret %s: %w", secret, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("config: demo token secret %s: %w", secret, err)
	}

	c := defaults()
	c.File = "(demo defaults)"
	c.Store.Path = filepath.Join(dir, "liaisond.db")
	s := SMTP{
		Listen:     "127.0.0.1:0",
		Hostname:   "localhost",
		Recipients: []string{"ls-intake@example.org"},
	}
	s.setDefaults()
	c.SMTP = []SMTP{s}
	c.Outgoing.Address = "127.0.0.1:2526"
	c.Outgoing.TLS = "none"
	c.Outgoing.From = "IETF Liaison Intake <ls-intake@example.org>"
	c.Confirm.Coordinators = []string{"coordinator@example.org"}
	c.Confirm.ReplyAddress = "ls-intake@example.org"
	c.Confirm.TokenSecretFile = secret
	c.Ack.Cc = []string{"liaison-coordination@example.org"}
	c.HTTP.Listen = "127.0.0.1:0"
	c.Admin.Socket = filepath.Join(dir, "admin.sock")
	c.Log.Format = "console"
	return &c, nil
}
