package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of the relay connection.
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// delivery is the outcome of one SMTP transaction.
type delivery struct {
	accepted []string
	rejected []Refused // recipients the relay refused while others were accepted
}

// permanentError marks a failure that retrying cannot cure.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// transientError marks a failure to reach or log in to the relay: a matter of
// configuration or network, retried whatever the relay answered.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// isPermanent reports whether err is a 5xx answer to the mail itself, or marked permanent.
func isPermanent(err error) bool {
	var t *transientError
	if errors.As(err, &t) {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500 && se.Code < 600
}

// dial connects to the relay as cfg says, ready for MAIL.
func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	cfg := &s.cfg
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("connect to relay %s: %w", cfg.Address, err)
	}
	var c *smtp.Client
	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, s.tlsConfig())
		hctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS with relay %s: %w", cfg.Address, err)
		}
		c = smtp.NewClient(tc)
	case TLSStartTLS:
		_ = conn.SetDeadline(time.Now().Add(cfg.Timeout))
		c, err = smtp.NewClientStartTLS(conn, s.tlsConfig())
		if err != nil {
			return nil, fmt.Errorf("STARTTLS with relay %s: %w", cfg.Address, err)
		}
		_ = conn.SetDeadline(time.Time{})
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = cfg.Timeout, cfg.Timeout
	if err := c.Hello(cfg.Hostname); err != nil {
		c.Close()
		return nil, fmt.Errorf("EHLO to relay %s: %w", cfg.Address, err)
	}
	if cfg.Username != "" {
		mech, client := authClient(c, cfg.Username, cfg.Password)
		if err := c.Auth(client); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH %s as %s at relay %s: %w", mech, cfg.Username, cfg.Address, err)
		}
	}
	return c, nil
}

func (s *Sender) tlsConfig() *tls.Config {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		t = s.cfg.TLSConfig.Clone()
	}
	if t.ServerName == "" {
		t.ServerName, _, _ = net.SplitHostPort(s.cfg.Address)
	}
	return t
}

// transmit sends raw from envelope sender from to rcpts in one SMTP transaction. Failing
// to connect, to start TLS or to authenticate is temporary, whatever the code. A recipient
// refused while others are accepted is reported, not fatal; when none is accepted the
// error is permanent only if every refusal was.
func (s *Sender) transmit(ctx context.Context, from string, rcpts []string, raw []byte) (delivery, error) {
	var out delivery
	c, err := s.dial(ctx)
	if err != nil {
		return out, &transientError{err}
	}
	defer c.Close()
	if err := c.Mail(from, nil); err != nil {
		return out, fmt.Errorf("MAIL FROM:<%s>: %w", from, err)
	}
	var lastErr error
	allPermanent := true
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			out.rejected = append(out.rejected, Refused{Address: r, Reason: "refused by the relay: " + err.Error()})
			lastErr = fmt.Errorf("RCPT TO:<%s>: %w", r, err)
			allPermanent = allPermanent && isPermanent(err)
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				return out, lastErr // the connection broke
			}
			continue
		}
		out.accepted = append(out.accepted, r)
	}
	if len(out.accepted) == 0 {
		if allPermanent {
			return out, &permanentError{fmt.Errorf("every recipient refused: %w", lastErr)}
		}
		return out, lastErr
	}
	w, err := c.Data()
	if err != nil {
		return out, fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return out, fmt.Errorf("DATA: writing message: %w", err)
	}
	if err := w.Close(); err != nil {
		return out, fmt.Errorf("DATA: end of message: %w", err)
	}
	_ = c.Quit()
	return out, nil
}

// authClient picks the SASL mechanism: PLAIN, or LOGIN for relays that offer only that
// (older Exchange and submission servers).
func authClient(c *smtp.Client, username, password string) (string, sasl.Client) {
	if ok, mechs := c.Extension("AUTH"); ok {
		fields := strings.Fields(strings.ToUpper(mechs))
		if !slices.Contains(fields, "PLAIN") && slices.Contains(fields, "LOGIN") {
			return "LOGIN", sasl.NewLoginClient(username, password)
		}
	}
	return "PLAIN", sasl.NewPlainClient("", username, password)
}
