package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// Outbox is the part of the store the Sender uses; *store.Store has it.
type Outbox interface {
	Due(now time.Time) ([]store.OutboxEntry, error)
	MarkAttempt(ctx context.Context, id uint64) (store.OutboxEntry, error)
	MarkSent(ctx context.Context, id uint64) error
	MarkSendFailed(ctx context.Context, id uint64, cause error, permanent bool) (store.OutboxState, error)
	Suppress(ctx context.Context, id uint64, reason string) error
	AddEvent(ctx context.Context, id string, ev liaisond.Event) error
}

// SenderConfig says how to reach the relay and how hard to try.
type SenderConfig struct {
	// Address is the relay's host:port.
	Address string
	// TLS is TLSImplicit, TLSStartTLS (default) or TLSNone, which only a loopback relay
	// may use.
	TLS string
	// TLSConfig, if set, is used for the relay's TLS (tests give their own roots).
	TLSConfig *tls.Config
	// Username and Password, when Username is set, authenticate with AUTH PLAIN.
	Username, Password string
	// From is the envelope sender (a plain address) of confirmation requests, reminders,
	// forwarder notes and command replies.
	From string
	// AckEnvelopeFrom sends acknowledgements from From too. By default they go with the
	// null envelope sender <>, as RFC 3834 section 3.3 and RFC 5321 section 4.5.5 advise
	// for automatic replies, so that a bounce can never start a loop; set it for relays
	// that refuse a null sender from an authenticated client.
	AckEnvelopeFrom bool
	// Hostname is the EHLO name (default "localhost").
	Hostname string
	// Timeout bounds connecting and each SMTP command (default 2 minutes).
	Timeout time.Duration
	// MaxAge is how long a mail is retried after it was queued before it fails for good
	// (default DefaultMaxAge, three days).
	MaxAge time.Duration
	// MaxWait is the longest the Run loop sleeps when nothing is due (default 5 minutes);
	// Kick wakes it at once.
	MaxWait time.Duration
	// Gate checks every recipient again at sending time. Required.
	Gate *Gate
	// Limiter holds the caps (default NewRateLimiter(0, 0, Now)).
	Limiter *RateLimiter
	// Now is the clock (default time.Now); the store should share it.
	Now func() time.Time
	// Logger receives a line per mail sent, failed, suppressed or held (default: none).
	Logger *zap.Logger
}

// Stats are the Sender's counters since it started, for metrics.
type Stats struct {
	// Sent counts mails delivered; Retried, failed attempts to be tried again; Failed,
	// mails given up; Suppressed, mails the gate or a cap stopped at sending.
	Sent, Retried, Failed, Suppressed uint64
	// PausedUntil is when the hourly cap lets sending go on; zero when not paused.
	PausedUntil time.Time
}

// Sender delivers the outbox over SMTP: each due entry is marked as attempted before it
// is tried, then marked sent, or failed with a retry after store.Options.Backoff, or failed
// for good on a permanent refusal or after MaxAge. Above the hourly cap it pauses.
type Sender struct {
	out  Outbox
	cfg  SenderConfig
	kick chan struct{}
	log  *zap.SugaredLogger

	mu    sync.Mutex
	stats Stats
}

// NewSender checks cfg and returns a Sender for out.
func NewSender(out Outbox, cfg SenderConfig) (*Sender, error) {
	host, _, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("outgoing relay address %q: %w", cfg.Address, err)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if !isLoopback(host) {
			return nil, fmt.Errorf("outgoing relay %s: tls = none is only allowed for a loopback relay", cfg.Address)
		}
	default:
		return nil, fmt.Errorf("outgoing relay %s: tls %q: want implicit, starttls or none", cfg.Address, cfg.TLS)
	}
	if _, _, ok := splitAddress(cfg.From); !ok {
		return nil, fmt.Errorf("outgoing relay %s: envelope sender %q is not local@domain", cfg.Address, cfg.From)
	}
	if cfg.Gate == nil {
		return nil, fmt.Errorf("outgoing relay %s: no gate", cfg.Address)
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewRateLimiter(0, 0, cfg.Now)
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	return &Sender{out: out, cfg: cfg, kick: make(chan struct{}, 1), log: log.Named("outbox").Sugar()}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Kick wakes the Run loop: call it after committing a transaction that queued mail.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Sender) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Run sends due mail until ctx ends, waking when Kick is called, when the next entry is
// due, or after MaxWait. A mail in flight when ctx ends is finished (bounded by Timeout).
func (s *Sender) Run(ctx context.Context) error {
	for {
		next, err := s.SendDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := s.cfg.MaxWait
		if !next.IsZero() {
			wait = min(wait, next.Sub(s.cfg.Now()))
		}
		if err != nil {
			s.log.Errorw("outbox pass failed", "err", err)
			wait = max(wait, 10*time.Second)
		}
		wait = max(wait, 0)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// SendDue makes one pass over the entries due now and returns when the next one is due
// (zero: none within MaxWait). Past the hourly cap it stops and returns when the cap frees.
// The error joins the store failures of the pass; delivery failures are recorded, not
// returned.
func (s *Sender) SendDue(ctx context.Context) (time.Time, error) {
	due, err := s.out.Due(s.cfg.Now())
	if err != nil {
		return time.Time{}, fmt.Errorf("outbox pass: %w", err)
	}
	var errs []error
	for _, e := range due {
		if ctx.Err() != nil {
			return time.Time{}, errors.Join(append(errs, ctx.Err())...)
		}
		if until := s.cfg.Limiter.DeferUntil(); !until.IsZero() {
			if s.Stats().PausedUntil.IsZero() {
				s.log.Warnw("hourly mail cap reached: sending paused", "until", until, "queued", len(due))
			}
			s.count(func(st *Stats) { st.PausedUntil = until })
			return until, errors.Join(errs...)
		}
		s.count(func(st *Stats) { st.PausedUntil = time.Time{} })
		if err := s.deliver(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	next, err := s.nextDue()
	if err != nil {
		errs = append(errs, err)
	}
	return next, errors.Join(errs...)
}

// nextDue is the earliest next attempt within MaxWait, or zero.
func (s *Sender) nextDue() (time.Time, error) {
	list, err := s.out.Due(s.cfg.Now().Add(s.cfg.MaxWait))
	if err != nil {
		return time.Time{}, fmt.Errorf("outbox next due: %w", err)
	}
	var next time.Time
	for _, e := range list {
		if next.IsZero() || e.NextAttempt.Before(next) {
			next = e.NextAttempt
		}
	}
	return next, nil
}

// deliver tries entry e once. Only store failures are returned.
func (s *Sender) deliver(ctx context.Context, e store.OutboxEntry) error {
	to, cc, refused := s.screen(e)
	// Once an attempt starts, it is finished even if ctx ends.
	ctx = context.WithoutCancel(ctx)
	log := s.log.With("outbox", e.ID, "kind", e.Kind, "record", e.Record, "message_id", e.MessageID)
	if len(to) == 0 {
		reason := "suppressed at sending: " + refusedText(refused)
		if err := s.out.Suppress(ctx, e.ID, reason); err != nil {
			return fmt.Errorf("outbox entry %d: suppress: %w", e.ID, err)
		}
		s.count(func(st *Stats) { st.Suppressed++ })
		log.Infow("mail suppressed", "reason", reason)
		s.note(ctx, e, fmt.Sprintf("%s mail %q suppressed: %s", e.Kind, e.Subject, refusedText(refused)))
		return nil
	}
	// The attempt is recorded, with the next one scheduled, before the mail is tried: a
	// crash from here on repeats the mail at worst, never loses it nor retries in a loop.
	full, err := s.out.MarkAttempt(ctx, e.ID)
	if err != nil {
		return fmt.Errorf("outbox entry %d: record attempt: %w", e.ID, err)
	}
	from := s.cfg.From
	if e.Kind == store.KindAck && !s.cfg.AckEnvelopeFrom {
		from = ""
	}
	res, sendErr := s.transmit(ctx, from, append(slices.Clone(to), cc...), full.Raw)
	if sendErr == nil {
		var counted []string
		for _, a := range res.accepted {
			if !s.cfg.Gate.Trusted(a) {
				counted = append(counted, a)
			}
		}
		s.cfg.Limiter.Record(counted)
		if err := s.out.MarkSent(ctx, e.ID); err != nil {
			return fmt.Errorf("outbox entry %d: sent, but not recorded (it may go again): %w", e.ID, err)
		}
		s.count(func(st *Stats) { st.Sent++ })
		log.Infow("mail sent", "to", strings.Join(res.accepted, ","), "attempt", full.Attempts)
		if gone := append(refused, res.rejected...); len(gone) > 0 {
			s.note(ctx, e, fmt.Sprintf("%s mail %q not delivered to %s", e.Kind, e.Subject, refusedText(gone)))
		}
		return nil
	}
	permanent := isPermanent(sendErr)
	if !permanent && !e.Created.IsZero() && s.cfg.Now().Sub(e.Created) >= s.cfg.MaxAge {
		permanent = true
		sendErr = fmt.Errorf("gave up after %s: %w", s.cfg.MaxAge, sendErr)
	}
	state, err := s.out.MarkSendFailed(ctx, e.ID, sendErr, permanent)
	if err != nil {
		return fmt.Errorf("outbox entry %d: record failure %q: %w", e.ID, sendErr, err)
	}
	if state == store.OutboxFailed {
		s.count(func(st *Stats) { st.Failed++ })
		log.Errorw("mail failed for good", "err", sendErr, "attempts", full.Attempts)
		s.note(ctx, e, fmt.Sprintf("%s mail %q failed: %v", e.Kind, e.Subject, sendErr))
	} else {
		s.count(func(st *Stats) { st.Retried++ })
		log.Warnw("mail deferred", "err", sendErr, "attempts", full.Attempts, "next", full.NextAttempt)
	}
	return nil
}

// screen checks e's recipients against the gate and the per-recipient cap.
func (s *Sender) screen(e store.OutboxEntry) (to, cc []string, refused []Refused) {
	to, cc, refused = s.cfg.Gate.Screen(e.Kind, e.To, e.Cc)
	capped := func(list []string) []string {
		return slices.DeleteFunc(list, func(a string) bool {
			if s.cfg.Gate.Trusted(a) || !s.cfg.Limiter.RecipientFull(a) {
				return false
			}
			refused = append(refused, Refused{Address: a, Reason: "daily cap for this address reached"})
			return true
		})
	}
	return capped(to), capped(cc), refused
}

// note records a comment on e's record; failing to is only logged.
func (s *Sender) note(ctx context.Context, e store.OutboxEntry, text string) {
	if e.Record == "" {
		return
	}
	err := s.out.AddEvent(ctx, e.Record, liaisond.Event{Kind: liaisond.EventComment, Actor: "liaisond", Text: text})
	if err != nil {
		s.log.Errorw("cannot record outbox event", "record", e.Record, "err", err)
	}
}
