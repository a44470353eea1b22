package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	liaisond "github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/metrics"
	"github.com/ietf-tools/liaisond/notify"
	"github.com/ietf-tools/liaisond/store"
)

// daemon is liaisond running: its sources, the intake, the outbox sender, the reminder
// schedule, the HTTP and admin listeners, all on one store.
type daemon struct {
	cfg     *config.Config
	log     *zap.Logger
	st      *store.Store
	intake  *ingest.Intake
	sender  *notify.Sender
	comp    *notify.Composer
	smtp    []*ingest.SMTPServer
	smtpL   []net.Listener
	imap    *ingest.IMAPPoller
	metrics *metrics.Metrics
	httpL   net.Listener
	admin   func(context.Context) error

	ready atomic.Bool
}

// daemonOptions are what tests and the demo change beyond the config.
type daemonOptions struct {
	// IMAPRootCAs verifies IMAP servers with a private CA.
	IMAPRootCAs *x509.CertPool
	// OnProcessed is told of each message processed, after the metrics.
	OnProcessed func(store.Message, ingest.Outcome)
	// OnPolled is told of each complete check of an IMAP mailbox.
	OnPolled func(account, mailbox string)
}

// startDaemon opens the store and binds every listener, so that what cannot work (a port
// taken, the store locked, a secret unreadable) fails here with one clear error, before
// anything runs.
func startDaemon(cfg *config.Config, log *zap.Logger, o daemonOptions) (_ *daemon, err error) {
	d := &daemon{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			d.close() // what was opened before the failure
		}
	}()
	d.st, err = store.Open(cfg.Store.Path, store.Options{
		LockTimeout: cfg.Store.OpenTimeout, MaxAttempts: cfg.Store.MaxAttempts,
		Backoff: notify.Backoff, OutboxMaxAttempts: cfg.Outgoing.MaxAttempts,
	})
	if err != nil {
		return nil, fmt.Errorf("[store] path: %w", err)
	}
	for _, note := range d.st.Recovered() {
		log.Warn("store recovered after a crash", zap.String("path", cfg.Store.Path), zap.String("skipped", note))
	}
	popts := parseOptions(cfg)
	hooks, gate, err := newHooks(cfg)
	if err != nil {
		return nil, err
	}
	d.comp = hooks.Composer
	password, err := optionalSecret(cfg.Outgoing.PasswordFile)
	if err != nil {
		return nil, fmt.Errorf("[outgoing] password_file: %w", err)
	}
	d.sender, err = notify.NewSender(d.st, notify.SenderConfig{
		Address: cfg.Outgoing.Address, TLS: cfg.Outgoing.TLS, Username: cfg.Outgoing.Username,
		Password: string(password), From: hooks.Composer.From().Email, Hostname: cfg.Outgoing.Hostname,
		Timeout: cfg.Outgoing.Timeout, Gate: gate,
		Limiter: notify.NewRateLimiter(cfg.Ack.MaxPerRecipientPerDay, cfg.Outgoing.MaxPerHour, nil),
		Logger:  log,
	})
	if err != nil {
		return nil, fmt.Errorf("[outgoing]: %w", err)
	}
	d.metrics = metrics.New(d.snapshot)
	d.intake = ingest.New(d.st, ingest.Options{
		Parse: popts, Notifier: hooks, Log: log.Named("intake"),
		OnProcessed: func(m store.Message, out ingest.Outcome) {
			d.metrics.Messages.WithLabelValues(m.Source, string(out.Outcome)).Inc()
			switch out.Outcome {
			case store.OutcomeDuplicate:
				d.metrics.Duplicates.Inc()
			case store.OutcomeFailed, store.OutcomeQuarantined:
				d.metrics.ParseFailures.Inc()
			}
			d.sender.Kick() // a processed message may have queued mail
			if o.OnProcessed != nil {
				o.OnProcessed(m, out)
			}
		},
	})
	for _, c := range cfg.SMTP {
		srv, err := ingest.NewSMTPServer(c, d.intake, log.Named("smtp"))
		if err != nil {
			return nil, fmt.Errorf("[[smtp]] %s: %w", c.Listen, err)
		}
		srv.Metrics = ingest.SMTPMetrics{
			Connection: func(l string) { d.metrics.SMTPConnections.WithLabelValues(l).Inc() },
			Rejection:  func(l string, code int) { d.metrics.SMTPRejections.WithLabelValues(l, fmt.Sprint(code)).Inc() },
		}
		l, err := srv.Listen()
		if err != nil {
			return nil, fmt.Errorf("[[smtp]] listen %s: %w", c.Listen, err)
		}
		d.smtp, d.smtpL = append(d.smtp, srv), append(d.smtpL, l)
	}
	if len(cfg.IMAP) > 0 {
		d.imap = &ingest.IMAPPoller{Accounts: cfg.IMAP, Acceptor: d.intake, Store: d.st, Log: log, RootCAs: o.IMAPRootCAs,
			Metrics: ingest.IMAPMetrics{
				Polled: func(a, mb string, at time.Time) {
					d.metrics.IMAPLastSuccess.WithLabelValues(a, mb).Set(float64(at.Unix()))
					if o.OnPolled != nil {
						o.OnPolled(a, mb)
					}
				},
				Fetched: func(a, mb string, _ int64) { d.metrics.IMAPFetched.WithLabelValues(a, mb).Inc() },
				Error:   func(a, _, kind string) { d.metrics.IMAPErrors.WithLabelValues(a, kind).Inc() },
				Backoff: func(a, _ string, w time.Duration) { d.metrics.IMAPBackoff.WithLabelValues(a).Set(w.Seconds()) },
			}}
	}
	if cfg.HTTP.Listen != "" {
		d.httpL, err = net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			return nil, fmt.Errorf("[http] listen %s: %w", cfg.HTTP.Listen, err)
		}
	}
	if cfg.Admin.Socket != "" {
		d.admin, err = serveAdmin(context.Background(), cfg.Admin.Socket, adminHandler(d.st, d.intake, &hooks, func() { d.sender.Kick() }))
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// newHooks builds what composes liaisond's mails and decides replies, from the config.
func newHooks(cfg *config.Config) (notify.Hooks, *notify.Gate, error) {
	secret, err := config.ReadSecret(cfg.Confirm.TokenSecretFile)
	if err != nil {
		return notify.Hooks{}, nil, fmt.Errorf("[confirm] token_secret_file: %w", err)
	}
	from, err := parseMailbox(cfg.Outgoing.From)
	if err != nil {
		return notify.Hooks{}, nil, fmt.Errorf("[outgoing] from: %w", err)
	}
	popts := parseOptions(cfg)
	gate := notify.NewGate(notify.GateConfig{
		Own:     popts.OwnAddresses,
		Trusted: append(append([]string{}, cfg.Confirm.Coordinators...), cfg.Ack.Cc...),
	})
	onReceipt := cfg.Ack.Policy == "on-receipt"
	comp, err := notify.NewComposer(notify.Config{
		From: from, ReplyAddress: cfg.Confirm.ReplyAddress, Hostname: cfg.Outgoing.Hostname,
		Coordinators: cfg.Confirm.Coordinators, AckCc: cfg.Ack.Cc, RecordURL: cfg.Ack.RecordURL,
		AckOnReceipt: onReceipt, Gate: gate, TokenSecret: secret, TokenTTL: cfg.Confirm.TokenTTL,
	})
	if err != nil {
		return notify.Hooks{}, nil, err
	}
	return notify.Hooks{
		Composer:             comp,
		Policy:               notify.Policy{Secret: secret, Coordinators: cfg.Confirm.Coordinators, AckOnReceipt: onReceipt},
		RequireAuthenticated: popts.TrustedAuthServID != "",
	}, gate, nil
}

func optionalSecret(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return config.ReadSecret(path)
}

// parseMailbox reads "Name <addr>" or "addr".
func parseMailbox(s string) (liaisond.Contact, error) {
	s = strings.TrimSpace(s)
	if i, j := strings.LastIndexByte(s, '<'), strings.LastIndexByte(s, '>'); i >= 0 && j > i {
		return liaisond.Contact{Name: strings.Trim(strings.TrimSpace(s[:i]), `"`), Email: s[i+1 : j]}, nil
	}
	if !strings.Contains(s, "@") {
		return liaisond.Contact{}, fmt.Errorf("%q is not a mail address", s)
	}
	return liaisond.Contact{Email: s}, nil
}

// run runs the daemon until ctx ends, then shuts down in order: sources stop accepting and
// finish what they received, the intake finishes the messages in flight, the sender stops,
// the store closes. Work left over is on disk and picked up at the next start.
func (d *daemon) run(ctx context.Context) error {
	srcCtx, stopSources := context.WithCancel(context.WithoutCancel(ctx))
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSources()
	defer stopWork()

	var work, sources sync.WaitGroup
	errs := make(chan error, len(d.smtp)+4) // one per goroutine that can fail: none blocks
	work.Go(func() {
		if err := d.intake.Run(workCtx); err != nil {
			errs <- err
		}
	})
	work.Go(func() {
		if err := d.sender.Run(workCtx); err != nil && !errors.Is(err, context.Canceled) {
			errs <- fmt.Errorf("outbox sender: %w", err)
		}
	})
	work.Go(func() { d.remind(workCtx) })
	for i, srv := range d.smtp {
		l := d.smtpL[i]
		sources.Go(func() {
			if err := srv.Serve(srcCtx, l); err != nil {
				errs <- fmt.Errorf("smtp %s: %w", l.Addr(), err)
			}
		})
	}
	if d.imap != nil {
		sources.Go(func() {
			if err := d.imap.Run(srcCtx); err != nil {
				errs <- err
			}
		})
	}
	var httpSrv *http.Server
	if d.httpL != nil {
		httpSrv = &http.Server{Handler: d.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = httpSrv.Serve(d.httpL) }()
	}
	d.ready.Store(true)
	if err := sdNotify("READY=1"); err != nil {
		d.log.Warn("telling systemd we are ready", zap.Error(err))
	}
	d.log.Info("liaisond running", d.listening()...)

	var failed error
	select {
	case <-ctx.Done():
	case failed = <-errs:
		d.log.Error("stopping after a failure", zap.Error(failed))
	}
	d.ready.Store(false)
	_ = sdNotify("STOPPING=1")
	d.log.Info("stopping: no new mail accepted, finishing what is in flight")
	stopSources()
	sources.Wait()
	stopWork()
	work.Wait()
	if httpSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = httpSrv.Shutdown(sctx)
		cancel()
	}
	d.close()
	d.log.Info("stopped")
	if failed != nil {
		return exitError{1} // logged above
	}
	return nil
}

func (d *daemon) listening() []zap.Field {
	var f []zap.Field
	for i, l := range d.smtpL {
		kind := "smtp"
		if d.cfg.SMTP[i].LMTP {
			kind = "lmtp"
		}
		f = append(f, zap.String(kind, l.Addr().String()))
	}
	if d.httpL != nil {
		f = append(f, zap.String("http", d.httpL.Addr().String()))
	}
	if d.cfg.Admin.Socket != "" {
		f = append(f, zap.String("admin", d.cfg.Admin.Socket))
	}
	f = append(f, zap.Int("imap_accounts", len(d.cfg.IMAP)), zap.String("store", d.cfg.Store.Path))
	return f
}

// close releases what startDaemon opened.
func (d *daemon) close() {
	if d.admin != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = d.admin(sctx)
		cancel()
		d.admin = nil
	}
	for _, l := range d.smtpL {
		l.Close()
	}
	if d.httpL != nil {
		d.httpL.Close()
	}
	if d.st != nil {
		if err := d.st.Close(); err != nil {
			d.log.Error("closing the store", zap.Error(err))
		}
		d.st = nil
	}
}

// remind queues the deadline reminders due, at start and then every hour, at most one per
// record and schedule step.
func (d *daemon) remind(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := d.remindOnce(ctx, time.Now()); err != nil {
			d.log.Error("deadline reminders", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *daemon) remindOnce(ctx context.Context, now time.Time) error {
	recs, err := d.st.Records(liaisond.StatePosted)
	if err != nil {
		return err
	}
	sent, err := d.st.Outbox()
	if err != nil {
		return err
	}
	already := map[string]bool{}
	for _, e := range sent {
		if e.Kind == store.KindReminder {
			already[e.Record+"\x00"+e.Subject] = true
		}
	}
	queued := false
	for _, r := range recs {
		due, _ := notify.ReminderDue(r, now)
		if !due {
			continue
		}
		m, err := d.comp.Reminder(r, now)
		if err != nil {
			return err
		}
		key := r.ID + "\x00" + m.Subject
		if already[key] {
			continue // this step of the schedule went out already
		}
		if err := d.st.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Enqueue(m.Entry())
			return err
		}); err != nil {
			return err
		}
		queued = true
	}
	if queued {
		d.sender.Kick()
	}
	return nil
}

// snapshot reads the store's state for /metrics.
func (d *daemon) snapshot() (metrics.Snapshot, error) {
	s := metrics.Snapshot{RecordsByState: map[string]int{}, Mails: map[[2]string]int{}, Attempts: map[string]int{}}
	recs, err := d.st.Records("")
	if err != nil {
		return s, err
	}
	for _, r := range recs {
		s.RecordsByState[string(r.State)]++
	}
	out, err := d.st.Outbox()
	if err != nil {
		return s, err
	}
	now := time.Now()
	s.Paused = d.sender.Stats().PausedUntil.After(now)
	for _, e := range out {
		s.Mails[[2]string{string(e.Kind), string(e.State)}]++
		s.Attempts[string(e.Kind)] += e.Attempts
		if e.State == store.OutboxQueued {
			s.OutboxDepth++
			if age := now.Sub(e.Created); age > s.OutboxOldest {
				s.OutboxOldest = age
			}
		}
	}
	left, err := d.st.Unfinished()
	s.Unfinished = len(left)
	return s, err
}

// httpHandler serves /metrics, /healthz (alive) and /readyz (store open, listeners up,
// outbox not stuck).
func (d *daemon) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := d.readiness(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// stuckAfter is how long a queued mail may sit past its next attempt before the outbox
// counts as stuck.
const stuckAfter = 15 * time.Minute

func (d *daemon) readiness() error {
	if !d.ready.Load() {
		return errors.New("not running: starting or stopping")
	}
	out, err := d.st.Outbox()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	now := time.Now()
	if p := d.sender.Stats().PausedUntil; p.After(now) {
		return nil // paused by the hourly cap on purpose: ready, and the logs say so
	}
	for _, e := range out {
		if e.State == store.OutboxQueued && !e.NextAttempt.IsZero() && now.Sub(e.NextAttempt) > stuckAfter {
			return fmt.Errorf("outbox stuck: mail %d due since %s", e.ID, e.NextAttempt.Format(time.RFC3339))
		}
	}
	return nil
}
