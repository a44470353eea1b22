package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// imapConn is one logged-in connection with deadlines: go-imap has no command timeout,
// so every command runs under a timer that closes the connection when it fires.
type imapConn struct {
	c *imapclient.Client // set once, under mu, while dialling; read freely after dial

	mu      sync.Mutex // guards c and raw against the deadline timer during dial
	raw     net.Conn
	timeout time.Duration
	expired atomic.Bool
	// newMail is signalled (never blocking) by the reader goroutine on EXISTS.
	newMail chan struct{}
}

// errIMAPTimeout is the cause of a command whose deadline passed.
var errIMAPTimeout = errors.New("imap: command deadline passed; connection closed")

func (c *imapConn) close() {
	c.mu.Lock()
	client, raw := c.c, c.raw
	c.mu.Unlock()
	if client != nil {
		_ = client.Close()
	} else if raw != nil {
		_ = raw.Close()
	}
}

func (c *imapConn) set(client *imapclient.Client, raw net.Conn) {
	c.mu.Lock()
	c.c, c.raw = client, raw
	c.mu.Unlock()
}

// do runs f under the command deadline. On expiry the connection is closed, which makes
// f return, and the error is a timeout.
func (c *imapConn) do(kind string, f func() error) error {
	t := time.AfterFunc(c.timeout, func() {
		c.expired.Store(true)
		c.close()
	})
	err := f()
	t.Stop()
	if c.expired.Load() {
		return imapErr("timeout", fmt.Errorf("%s: %w", kind, errIMAPTimeout))
	}
	return imapErr(kind, err)
}

// watchdog is a deadline that can be armed and disarmed around each wait for the network,
// so that a long streaming FETCH is bounded per message, not as a whole, and time spent
// waiting for the store does not count.
type watchdog struct {
	c *imapConn
	t *time.Timer
}

func (c *imapConn) watchdog() *watchdog {
	w := &watchdog{c: c}
	w.t = time.AfterFunc(time.Hour, func() {
		c.expired.Store(true)
		c.close()
	})
	w.t.Stop()
	return w
}

func (w *watchdog) arm()    { w.t.Reset(w.c.timeout) }
func (w *watchdog) disarm() { w.t.Stop() }

// err classifies the error of a watched operation.
func (w *watchdog) err(kind string, err error) error {
	w.t.Stop()
	if w.c.expired.Load() {
		return imapErr("timeout", fmt.Errorf("%s: %w", kind, errIMAPTimeout))
	}
	return imapErr(kind, err)
}

// dial connects, upgrades to TLS as configured and logs in.
func (w *imapWatcher) dial(ctx context.Context) (*imapConn, error) {
	a := w.acct
	timeout := a.CommandTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	host, port, err := net.SplitHostPort(a.Address)
	if err != nil {
		return nil, imapErr("dial", err)
	}
	conn := &imapConn{timeout: timeout, newMail: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the reader goroutine: only signal, never issue commands here.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case conn.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	tlsConf := &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		RootCAs:            w.p.RootCAs,
		InsecureSkipVerify: a.InsecureSkipVerify, //nolint:gosec // only when the operator asked, for testing
	}
	dialer := &net.Dialer{
		Timeout:         timeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 15 * time.Second, Count: 4},
	}
	raw, err := dialer.DialContext(ctx, "tcp", a.Address)
	if err != nil {
		return nil, imapErr("dial", err)
	}
	conn.set(nil, raw)
	// Until the client exists the timer closes the raw connection.
	err = conn.do("tls", func() error {
		switch a.TLS {
		case "implicit":
			cfg := tlsConf.Clone()
			cfg.NextProtos = []string{"imap"}
			tc := tls.Client(raw, cfg)
			conn.set(nil, tc)
			if err := tc.HandshakeContext(ctx); err != nil {
				return imapErr("tls", err)
			}
			conn.set(imapclient.New(tc, opts), tc)
		case "starttls":
			opts.TLSConfig = tlsConf
			c, err := imapclient.NewStartTLS(raw, opts)
			if err != nil {
				return imapErr("tls", err)
			}
			conn.set(c, raw)
		case "none":
			if !isLoopbackHost(host) {
				return imapErr("tls", fmt.Errorf("plain text to %s refused: not a loopback address", a.Address))
			}
			conn.set(imapclient.New(raw, opts), raw)
		default:
			return imapErr("tls", fmt.Errorf("tls %q unknown", a.TLS))
		}
		conn.mu.Lock()
		c := conn.c
		conn.mu.Unlock()
		return imapErr("connection", c.WaitGreeting())
	})
	if err != nil {
		conn.close()
		return nil, err
	}
	if err := w.login(conn, host, port); err != nil {
		conn.close()
		return nil, err
	}
	return conn, nil
}

// login authenticates with the configured mechanism. The secret is read from its file
// now, so that a refreshed bearer token is used; it never appears in an error or a log.
func (w *imapWatcher) login(conn *imapConn, host, port string) error {
	a := w.acct
	var file string
	switch a.Auth {
	case "xoauth2", "oauthbearer":
		file = a.BearerTokenFile
	default:
		file = a.PasswordFile
	}
	secret, err := w.p.readSecret(file)
	if err != nil {
		return imapErr("auth", err) // names the file, never the content
	}
	var caps imap.CapSet
	if err := conn.do("connection", func() error {
		caps = conn.c.Caps()
		if caps == nil {
			return errors.New("no CAPABILITY from server")
		}
		return nil
	}); err != nil {
		return err
	}
	err = conn.do("auth", func() error {
		switch a.Auth {
		case "xoauth2":
			return conn.c.Authenticate(newXOAuth2Client(a.Username, string(secret)))
		case "oauthbearer":
			p, _ := strconv.Atoi(port)
			return conn.c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
				Username: a.Username, Token: string(secret), Host: host, Port: p,
			}))
		default:
			if caps.Has(imap.Cap("AUTH=PLAIN")) {
				return conn.c.Authenticate(sasl.NewPlainClient("", a.Username, string(secret)))
			}
			if caps.Has(imap.CapLoginDisabled) {
				return errors.New("server refuses LOGIN and offers no AUTH=PLAIN")
			}
			return conn.c.Login(a.Username, string(secret)).Wait()
		}
	})
	clear(secret)
	if err != nil {
		return fmt.Errorf("authenticate %s as %q (%s): %w", a.Address, a.Username, a.Auth, err)
	}
	return nil
}

// caps returns the capabilities after login (go-imap asks again when login reset them).
func (conn *imapConn) caps() (imap.CapSet, error) {
	var caps imap.CapSet
	err := conn.do("connection", func() error {
		caps = conn.c.Caps()
		if caps == nil {
			return errors.New("no CAPABILITY from server")
		}
		return nil
	})
	return caps, err
}

// logout ends the session politely, within the deadline, and closes the connection.
func (conn *imapConn) logout() {
	select {
	case <-conn.c.Closed():
		return
	default:
	}
	_ = conn.do("connection", func() error { return conn.c.Logout().Wait() })
	conn.close()
}

// idle waits in IDLE until new mail is signalled, max passes, ctx ends or the connection
// dies. It returns nil in the first three cases.
func (conn *imapConn) idle(ctx context.Context, max time.Duration) error {
	// A NOOP first collects what the server queued since the last command; some servers
	// report at the start of IDLE only what happens after it.
	if err := conn.do("connection", func() error { return conn.c.Noop().Wait() }); err != nil {
		return err
	}
	select {
	case <-conn.newMail:
		return nil
	default:
	}
	var cmd *imapclient.IdleCommand
	if err := conn.do("idle", func() (err error) {
		cmd, err = conn.c.Idle()
		return err
	}); err != nil {
		return err
	}
	t := time.NewTimer(max)
	defer t.Stop()
	var dropped bool
	select {
	case <-conn.newMail:
	case <-t.C:
	case <-ctx.Done():
	case <-conn.c.Closed():
		dropped = true
	}
	err := conn.do("idle", func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if dropped && err == nil {
		err = imapErr("connection", errors.New("connection closed by the server during IDLE"))
	}
	return err
}

// wait sleeps until the poll interval passed or ctx ends, watching the connection; used
// when the server has no IDLE.
func (conn *imapConn) wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-conn.c.Closed():
		return imapErr("connection", errors.New("connection closed by the server"))
	}
	return nil
}
