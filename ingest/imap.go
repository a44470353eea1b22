package ingest

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

// IMAPStore is what the IMAP poller keeps in the store besides the messages: one checkpoint
// per mailbox, and the Message-IDs already taken in. *store.Store satisfies it.
type IMAPStore interface {
	Checkpoint(account, mailbox string) (store.Checkpoint, bool, error)
	SetCheckpoint(ctx context.Context, c store.Checkpoint) error
	HasMessageID(messageID string) (bool, error)
}

// IMAPMetrics are the poller's hooks for metrics. Every field is optional; the functions
// are called from the pollers' goroutines, concurrently for different mailboxes.
type IMAPMetrics struct {
	// Polled is called after each complete check of a mailbox: the last successful poll.
	Polled func(account, mailbox string, at time.Time)
	// Fetched is called for each message fetched and committed through the Acceptor.
	Fetched func(account, mailbox string, bytes int64)
	// Skipped is called for each message left alone; reason is "oversize".
	Skipped func(account, mailbox, reason string)
	// Error is called for each failure, by kind: dial, tls, auth, select, fetch, timeout,
	// connection, idle, accept, checkpoint, postaction, uidvalidity (a resync started).
	Error func(account, mailbox, kind string)
	// Backoff reports the wait before the next connection attempt; 0 once connected.
	Backoff func(account, mailbox string, wait time.Duration)
}

// Defaults of the poller's tuning knobs.
const (
	DefaultIMAPBackoffMin = time.Second
	DefaultIMAPBackoffMax = 5 * time.Minute
	DefaultIMAPWorkers    = 16
	// imapIdleMax is the longest one IDLE runs before it is ended and a fresh check is made:
	// below the 30 minutes after which RFC 9051 lets a server drop an idle client.
	imapIdleMax = 25 * time.Minute
)

// IMAPPoller polls the configured IMAP accounts: every mailbox of every account gets its
// own connection and goroutine, so that one failing never stops the others. Messages are
// read with EXAMINE and BODY.PEEK[] and handed to the Acceptor; the checkpoint of a
// mailbox moves only after the Acceptor returned.
type IMAPPoller struct {
	// Accounts are the [[imap]] sections, validated by the config package.
	Accounts []config.IMAP
	// Acceptor commits each message. It is called concurrently (up to Workers calls per
	// mailbox) and must be safe for that.
	Acceptor Acceptor
	// Store holds checkpoints and answers Message-ID lookups.
	Store IMAPStore
	// Log receives the poller's logs; nil means none. Secrets are never logged.
	Log *zap.Logger
	// Metrics are optional hooks.
	Metrics IMAPMetrics

	// RootCAs, when set, replaces the system's roots for verifying servers (a private CA,
	// tests). Verification is on unless an account sets insecure_skip_verify.
	RootCAs *x509.CertPool
	// ReadSecret reads password and bearer token files, at every connection so that a
	// refreshed token is picked up; nil means config.ReadSecret.
	ReadSecret func(path string) ([]byte, error)
	// BackoffMin and BackoffMax bound the wait before reconnecting; it doubles after each
	// failure, with jitter. Zero means DefaultIMAPBackoffMin and DefaultIMAPBackoffMax.
	BackoffMin, BackoffMax time.Duration
	// Workers is how many messages of one mailbox may be committing at once (the store
	// groups concurrent commits); zero means DefaultIMAPWorkers.
	Workers int
	// BufferBytes bounds the bytes of fetched messages waiting to be committed, per
	// mailbox (at least one message always fits); zero means 64 MiB.
	BufferBytes int64
}

// Run polls every mailbox of every account until ctx is cancelled, then waits for the
// messages in flight to be committed and returns. It fails at once only when the setup
// itself is wrong (no acceptor, plain text to a remote server).
func (p *IMAPPoller) Run(ctx context.Context) error {
	if p.Acceptor == nil || p.Store == nil {
		return errors.New("imap poller: Acceptor and Store are required")
	}
	for i := range p.Accounts {
		if err := checkIMAPAccount(&p.Accounts[i]); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	for i := range p.Accounts {
		acct := p.Accounts[i]
		for _, mb := range acct.Mailboxes {
			w := &imapWatcher{p: p, acct: acct, mailbox: mb, log: p.logger().With(
				zap.String("account", acct.Name), zap.String("mailbox", mb))}
			wg.Go(func() { w.run(ctx) })
		}
	}
	wg.Wait()
	return nil
}

func (p *IMAPPoller) logger() *zap.Logger {
	if p.Log == nil {
		return zap.NewNop()
	}
	return p.Log.Named("imap")
}

func (p *IMAPPoller) workers() int {
	if p.Workers > 0 {
		return p.Workers
	}
	return DefaultIMAPWorkers
}

func (p *IMAPPoller) bufferBytes() int64 {
	if p.BufferBytes > 0 {
		return p.BufferBytes
	}
	return 64 << 20
}

func (p *IMAPPoller) readSecret(path string) ([]byte, error) {
	if p.ReadSecret != nil {
		return p.ReadSecret(path)
	}
	return config.ReadSecret(path)
}

// checkIMAPAccount repeats the checks that keep a misconfigured account from leaking
// credentials, whatever the config package let through.
func checkIMAPAccount(a *config.IMAP) error {
	host, _, err := net.SplitHostPort(a.Address)
	if err != nil {
		return fmt.Errorf("imap account %q: address %q: %w", a.Name, a.Address, err)
	}
	switch a.TLS {
	case "implicit", "starttls":
	case "none":
		if !isLoopbackHost(host) {
			return fmt.Errorf("imap account %q: tls = \"none\" is allowed only for a loopback address, not %q", a.Name, a.Address)
		}
	default:
		return fmt.Errorf("imap account %q: tls %q is not implicit, starttls or none", a.Name, a.TLS)
	}
	switch a.Auth {
	case "plain", "":
	case "xoauth2", "oauthbearer":
	default:
		return fmt.Errorf("imap account %q: auth %q is not plain, xoauth2 or oauthbearer", a.Name, a.Auth)
	}
	if _, err := parseIMAPAfter(a.After); err != nil {
		return fmt.Errorf("imap account %q: %w", a.Name, err)
	}
	if len(a.Mailboxes) == 0 {
		return fmt.Errorf("imap account %q: no mailboxes", a.Name)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// imapWatcher keeps one mailbox of one account polled: it connects, runs sessions, and
// reconnects after failures with exponential backoff and jitter.
type imapWatcher struct {
	p       *IMAPPoller
	acct    config.IMAP
	mailbox string
	log     *zap.Logger
}

func (w *imapWatcher) source() string { return "imap:" + w.acct.Name + "/" + w.mailbox }

func (w *imapWatcher) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		healthy := false
		err := w.session(ctx, func() {
			if !healthy {
				healthy = true
				failures = 0
				w.backoffMetric(0)
			}
		})
		if ctx.Err() != nil {
			return
		}
		kind := imapErrKind(err)
		w.errorMetric(kind)
		failures++
		wait := w.backoff(failures)
		w.backoffMetric(wait)
		w.log.Warn("imap session failed; reconnecting", zap.String("kind", kind), zap.Error(err),
			zap.Duration("backoff", wait), zap.Int("failures", failures))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// backoff is the wait after the n-th consecutive failure: min·2^(n-1) capped at max, of
// which a random half is taken off so that many watchers do not reconnect in step.
func (w *imapWatcher) backoff(n int) time.Duration {
	lo, hi := w.p.BackoffMin, w.p.BackoffMax
	if lo <= 0 {
		lo = DefaultIMAPBackoffMin
	}
	if hi <= 0 {
		hi = DefaultIMAPBackoffMax
	}
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}

func (w *imapWatcher) errorMetric(kind string) {
	if f := w.p.Metrics.Error; f != nil {
		f(w.acct.Name, w.mailbox, kind)
	}
}

func (w *imapWatcher) backoffMetric(d time.Duration) {
	if f := w.p.Metrics.Backoff; f != nil {
		f(w.acct.Name, w.mailbox, d)
	}
}

func (w *imapWatcher) polledMetric() {
	if f := w.p.Metrics.Polled; f != nil {
		f(w.acct.Name, w.mailbox, time.Now())
	}
}

func (w *imapWatcher) fetchedMetric(n int64) {
	if f := w.p.Metrics.Fetched; f != nil {
		f(w.acct.Name, w.mailbox, n)
	}
}

func (w *imapWatcher) skippedMetric(reason string) {
	if f := w.p.Metrics.Skipped; f != nil {
		f(w.acct.Name, w.mailbox, reason)
	}
}

// imapError carries the kind of a failure, for metrics and logs.
type imapError struct {
	kind string
	err  error
}

func (e *imapError) Error() string { return e.err.Error() }
func (e *imapError) Unwrap() error { return e.err }

func imapErr(kind string, err error) error {
	if err == nil {
		return nil
	}
	var ie *imapError
	if errors.As(err, &ie) {
		return err // the innermost kind wins: a timeout stays a timeout
	}
	return &imapError{kind: kind, err: err}
}

func imapErrKind(err error) string {
	var ie *imapError
	if errors.As(err, &ie) {
		return ie.kind
	}
	return "connection"
}

// imapAfter is a parsed post-action.
type imapAfter struct {
	keyword string // keyword:X
	move    string // move:Folder
}

func (a imapAfter) none() bool { return a.keyword == "" && a.move == "" }

func parseIMAPAfter(s string) (imapAfter, error) {
	switch {
	case s == "" || s == "none":
		return imapAfter{}, nil
	case len(s) > len("keyword:") && s[:len("keyword:")] == "keyword:":
		return imapAfter{keyword: s[len("keyword:"):]}, nil
	case len(s) > len("move:") && s[:len("move:")] == "move:":
		return imapAfter{move: s[len("move:"):]}, nil
	}
	return imapAfter{}, fmt.Errorf("after %q is not none, keyword:X or move:Folder", s)
}
