package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// senderEnv is a store, a composer and a sink sharing one clock.
type senderEnv struct {
	clock *clock
	st    *store.Store
	comp  *Composer
	sink  *sink
	gate  *Gate
	msgs  int
}

func newSenderEnv(t *testing.T, so sinkOptions) *senderEnv {
	t.Helper()
	c := newClock(t0)
	st, err := store.Open(filepath.Join(t.TempDir(), "l.db"), store.Options{Now: c.Now, Backoff: Backoff, OutboxMaxAttempts: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := testConfig(c.Now)
	comp, err := NewComposer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &senderEnv{clock: c, st: st, comp: comp, sink: newSink(t, so), gate: cfg.Gate}
}

func (e *senderEnv) sender(t *testing.T, edit func(*SenderConfig)) *Sender {
	t.Helper()
	cfg := SenderConfig{
		Address: e.sink.addr, TLS: TLSNone, From: "ls-intake@example.org", Hostname: "ls-intake.example.org",
		Timeout: 10 * time.Second, Gate: e.gate, Now: e.clock.Now,
		Limiter: NewRateLimiter(0, 0, e.clock.Now),
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSender(e.st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// record stores a new record from the sample statement and queues, in the same
// transaction, the mails compose makes for it. It returns the outbox ids.
func (e *senderEnv) record(t *testing.T, compose func(c *Composer, r liaisond.Record) ([]Mail, error)) []uint64 {
	t.Helper()
	ctx := context.Background()
	e.msgs++
	sample := sampleRecord()
	msg, err := e.st.PutMessage(ctx, store.Envelope{Source: "smtp:test", MessageID: fmt.Sprintf("<m%d@itu.int>", e.msgs)}, []byte("raw"))
	if err != nil {
		t.Fatal(err)
	}
	sample.Title += fmt.Sprintf(" %d", e.msgs) // not a duplicate of the last one
	var ids []uint64
	_, err = e.st.CreateOrMerge(ctx, msg, store.NewRecord{Statement: sample.Statement, Ack: sample.Ack,
		Then: func(tx *store.Tx, m store.Merge, r *liaisond.Record) error {
			ids = ids[:0]
			mails, err := compose(e.comp, *r)
			if err != nil {
				return err
			}
			for _, ml := range mails {
				id, err := tx.Enqueue(ml.Entry())
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func confirmOf(c *Composer, r liaisond.Record) ([]Mail, error) {
	m, err := c.Confirm(r)
	return []Mail{m}, err
}

func ackOf(c *Composer, r liaisond.Record) ([]Mail, error) {
	m, err := c.Ack(r, "orig@itu.int", nil)
	return []Mail{m}, err
}

func (e *senderEnv) entry(t *testing.T, id uint64) store.OutboxEntry {
	t.Helper()
	en, err := e.st.OutboxEntry(id)
	if err != nil {
		t.Fatal(err)
	}
	return en
}

func TestSenderDelivers(t *testing.T) {
	tests := []struct {
		name     string
		compose  func(c *Composer, r liaisond.Record) ([]Mail, error)
		ackFrom  bool
		wantFrom string
		wantTo   string
	}{
		{"confirm from the configured sender", confirmOf, false, "ls-intake@example.org", "coordinator@example.org second.coord@example.org"},
		{"ack from the null sender", ackOf, false, "", "tsbsg15@itu.int t.ishikawa@carrier.example marta.lindgren@vendor.example liaison-coordination@iab.org"},
		{"ack from the configured sender", ackOf, true, "ls-intake@example.org", "tsbsg15@itu.int t.ishikawa@carrier.example marta.lindgren@vendor.example liaison-coordination@iab.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSenderEnv(t, sinkOptions{})
			ids := env.record(t, tt.compose)
			s := env.sender(t, func(c *SenderConfig) { c.AckEnvelopeFrom = tt.ackFrom })
			if _, err := s.SendDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := env.sink.messages()
			if len(got) != 1 {
				t.Fatalf("%d messages delivered", len(got))
			}
			if got[0].From != tt.wantFrom || strings.Join(got[0].To, " ") != tt.wantTo {
				t.Errorf("envelope %q -> %v", got[0].From, got[0].To)
			}
			e := env.entry(t, ids[0])
			if e.State != store.OutboxSent || e.Attempts != 1 || !bytes.Equal(got[0].Data, e.Raw) {
				t.Errorf("entry %s after %d attempts; data equal: %v", e.State, e.Attempts, bytes.Equal(got[0].Data, e.Raw))
			}
			rec, _ := env.st.Get(e.Record)
			if last := rec.Events[len(rec.Events)-1]; last.Kind != liaisond.EventMsgOut {
				t.Errorf("last event %+v", last)
			}
			if st := s.Stats(); st.Sent != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestSenderFailures(t *testing.T) {
	tests := []struct {
		name      string
		rcptErr   func(to string) error
		dataErr   func(n int) error
		steps     []time.Duration // clock advances between passes
		wantState store.OutboxState
		attempts  int
		delivered int
	}{
		{name: "4xx then success", dataErr: func(n int) error {
			if n == 1 {
				return smtpErr(451)
			}
			return nil
		}, steps: []time.Duration{time.Minute}, wantState: store.OutboxSent, attempts: 2, delivered: 1},
		{name: "4xx, not yet due", dataErr: func(n int) error { return smtpErr(451) },
			steps: []time.Duration{59 * time.Second}, wantState: store.OutboxQueued, attempts: 1},
		{name: "4xx on every recipient", rcptErr: func(string) error { return smtpErr(450) },
			wantState: store.OutboxQueued, attempts: 1},
		{name: "5xx data is permanent", dataErr: func(int) error { return smtpErr(554) },
			wantState: store.OutboxFailed, attempts: 1},
		{name: "5xx on every recipient is permanent", rcptErr: func(string) error { return smtpErr(550) },
			wantState: store.OutboxFailed, attempts: 1},
		{name: "5xx on one recipient: the others get it", rcptErr: func(to string) error {
			if to == "second.coord@example.org" {
				return smtpErr(550)
			}
			return nil
		}, wantState: store.OutboxSent, attempts: 1, delivered: 1},
		{name: "gives up after three days", dataErr: func(int) error { return smtpErr(421) },
			steps:     []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 64 * time.Hour},
			wantState: store.OutboxFailed, attempts: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSenderEnv(t, sinkOptions{})
			env.sink.rcptErr, env.sink.dataErr = tt.rcptErr, tt.dataErr
			ids := env.record(t, confirmOf)
			s := env.sender(t, nil)
			ctx := context.Background()
			if _, err := s.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			for _, d := range tt.steps {
				env.clock.Add(d)
				if _, err := s.SendDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			e := env.entry(t, ids[0])
			if e.State != tt.wantState || e.Attempts != tt.attempts || len(env.sink.messages()) != tt.delivered {
				t.Errorf("state %s attempts %d delivered %d (last error %q); want %s %d %d",
					e.State, e.Attempts, len(env.sink.messages()), e.LastError, tt.wantState, tt.attempts, tt.delivered)
			}
			if tt.wantState == store.OutboxQueued && !e.NextAttempt.After(env.clock.Now()) {
				t.Errorf("next attempt %v is not after now", e.NextAttempt)
			}
		})
	}
}

func TestSenderHourlyCapPauses(t *testing.T) {
	env := newSenderEnv(t, sinkOptions{})
	var ids []uint64
	for range 3 {
		ids = append(ids, env.record(t, confirmOf)...)
	}
	s := env.sender(t, func(c *SenderConfig) { c.Limiter = NewRateLimiter(0, 2, env.clock.Now) })
	next, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(env.sink.messages()) != 2 || !next.Equal(t0.Add(time.Hour)) || !s.Stats().PausedUntil.Equal(next) {
		t.Fatalf("%d sent, next %v, stats %+v", len(env.sink.messages()), next, s.Stats())
	}
	if e := env.entry(t, ids[2]); e.State != store.OutboxQueued || e.Attempts != 0 {
		t.Fatalf("held mail: %s, %d attempts", e.State, e.Attempts)
	}
	env.clock.Add(time.Hour)
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := env.entry(t, ids[2]); e.State != store.OutboxSent || len(env.sink.messages()) != 3 || !s.Stats().PausedUntil.IsZero() {
		t.Errorf("after the hour: %s, %d delivered", e.State, len(env.sink.messages()))
	}
}

func TestSenderGateAtSending(t *testing.T) {
	env := newSenderEnv(t, sinkOptions{})
	// Two acks to the same SDO address with a cap of one a day: the second is suppressed,
	// and an entry queued around the composer's gate is stopped too.
	ids := env.record(t, ackOf)
	ids = append(ids, env.record(t, ackOf)...)
	ids = append(ids, env.record(t, func(c *Composer, r liaisond.Record) ([]Mail, error) {
		m, err := c.Confirm(r)
		m.To = []string{"ccamp@ietf.org", "noreply@itu.int"}
		m.Cc = []string{"coordinator@example.org"}
		return []Mail{m}, err
	})...)
	s := env.sender(t, func(c *SenderConfig) { c.Limiter = NewRateLimiter(1, 0, env.clock.Now) })
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []store.OutboxState{store.OutboxSent, store.OutboxSuppressed, store.OutboxSuppressed}
	for i, id := range ids {
		if e := env.entry(t, id); e.State != want[i] {
			t.Errorf("entry %d: %s (%s), want %s", i, e.State, e.Reason, want[i])
		}
	}
	if len(env.sink.messages()) != 1 || s.Stats().Suppressed != 2 {
		t.Errorf("%d delivered, stats %+v", len(env.sink.messages()), s.Stats())
	}
}

// crashingOutbox loses MarkSent: the process died after the relay took the mail.
type crashingOutbox struct {
	*store.Store
	crash atomic.Bool
}

func (c *crashingOutbox) MarkSent(ctx context.Context, id uint64) error {
	if c.crash.Load() {
		return errors.New("killed before MarkSent")
	}
	return c.Store.MarkSent(ctx, id)
}

func TestSenderCrashSafety(t *testing.T) {
	env := newSenderEnv(t, sinkOptions{})
	ids := env.record(t, confirmOf)
	// While the relay takes the mail, the attempt is already on disk with the next one
	// scheduled.
	var seen store.OutboxEntry
	env.sink.onData = func() { seen, _ = env.st.OutboxEntry(ids[0]) }
	out := &crashingOutbox{Store: env.st}
	out.crash.Store(true)
	s, err := NewSender(out, SenderConfig{Address: env.sink.addr, TLS: TLSNone, From: "ls-intake@example.org",
		Gate: env.gate, Now: env.clock.Now, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendDue(context.Background()); err == nil {
		t.Fatal("the lost MarkSent is not reported")
	}
	if seen.Attempts != 1 || !seen.NextAttempt.Equal(t0.Add(time.Minute)) || seen.State != store.OutboxQueued {
		t.Fatalf("during delivery the store said %+v", seen)
	}
	// After the "restart" the mail goes again, identical, once the backoff has passed.
	out.crash.Store(false)
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(env.sink.messages()); n != 1 {
		t.Fatalf("resent before the backoff: %d", n)
	}
	env.clock.Add(time.Minute)
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := env.sink.messages()
	if len(got) != 2 || !bytes.Equal(got[0].Data, got[1].Data) {
		t.Fatalf("%d deliveries; identical: %v", len(got), len(got) == 2 && bytes.Equal(got[0].Data, got[1].Data))
	}
	if e := env.entry(t, ids[0]); e.State != store.OutboxSent || e.Attempts != 2 {
		t.Errorf("entry %s after %d attempts", e.State, e.Attempts)
	}
}

func TestSenderRelayDownThenUp(t *testing.T) {
	env := newSenderEnv(t, sinkOptions{})
	// A port nobody listens on.
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var ids []uint64
	for range 3 {
		ids = append(ids, env.record(t, confirmOf)...)
	}
	s := env.sender(t, func(c *SenderConfig) { c.Address = addr })
	if _, err := s.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if e := env.entry(t, id); e.State != store.OutboxQueued || e.Attempts != 1 || e.LastError == "" {
			t.Fatalf("while down: %s, %d attempts, %q", e.State, e.Attempts, e.LastError)
		}
	}
	// The relay comes up on that address.
	l2, err := netListenOn(addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	up := newSink(t, sinkOptions{listener: l2})
	for range 5 {
		env.clock.Add(time.Minute)
		if _, err := s.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(up.messages()); n != 3 {
		t.Fatalf("%d delivered, want each of 3 once", n)
	}
	for _, id := range ids {
		if e := env.entry(t, id); e.State != store.OutboxSent || e.Attempts != 2 {
			t.Errorf("after: %s, %d attempts", e.State, e.Attempts)
		}
	}
}

func TestSenderTLSAndAuth(t *testing.T) {
	tests := []struct {
		name, mode, user, pass string
		ok                     bool
		loginOnly              bool
	}{
		{"starttls with auth", TLSStartTLS, "ls-intake", "secret", true, false},
		{"implicit tls with auth", TLSImplicit, "ls-intake", "secret", true, false},
		{"starttls without auth", TLSStartTLS, "", "", true, false},
		{"wrong password", TLSStartTLS, "ls-intake", "wrong", false, false},
		{"relay with AUTH LOGIN only", TLSStartTLS, "ls-intake", "secret", true, true},
		{"AUTH LOGIN, wrong password", TLSStartTLS, "ls-intake", "wrong", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			so := sinkOptions{tls: tt.mode, loginOnly: tt.loginOnly}
			if tt.user != "" {
				so.user, so.pass = "ls-intake", "secret"
			}
			env := newSenderEnv(t, so)
			ids := env.record(t, confirmOf)
			s := env.sender(t, func(c *SenderConfig) {
				c.TLS, c.TLSConfig, c.Username, c.Password = tt.mode, clientTLS(), tt.user, tt.pass
			})
			if _, err := s.SendDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			e := env.entry(t, ids[0])
			want := store.OutboxSent
			if !tt.ok {
				want = store.OutboxQueued // a login failure waits for the operator, it does not drop mail
			}
			if e.State != want {
				t.Errorf("state %s, last error %q; want %s", e.State, e.LastError, want)
			}
		})
	}
}

func TestSenderRunWakesOnKick(t *testing.T) {
	env := newSenderEnv(t, sinkOptions{})
	s := env.sender(t, func(c *SenderConfig) { c.MaxWait = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for i := range 2 {
		env.record(t, confirmOf)
		s.Kick()
		select {
		case <-env.sink.received:
		case <-time.After(10 * time.Second):
			t.Fatalf("mail %d not sent after Kick", i)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestNewSenderChecks(t *testing.T) {
	gate := NewGate(GateConfig{})
	tests := []struct {
		name string
		cfg  SenderConfig
	}{
		{"no port", SenderConfig{Address: "smtp.example.org", From: "a@b", Gate: gate}},
		{"plain to a remote relay", SenderConfig{Address: "smtp.example.org:25", TLS: TLSNone, From: "a@b", Gate: gate}},
		{"unknown tls", SenderConfig{Address: "smtp.example.org:25", TLS: "maybe", From: "a@b", Gate: gate}},
		{"no from", SenderConfig{Address: "smtp.example.org:587", Gate: gate}},
		{"no gate", SenderConfig{Address: "smtp.example.org:587", From: "a@b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSender(nil, tt.cfg); err == nil {
				t.Error("accepted")
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:25", "[::1]:25", "localhost:25"} {
		if _, err := NewSender(nil, SenderConfig{Address: addr, TLS: TLSNone, From: "a@b", Gate: gate}); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 6 * time.Hour}
	for i, w := range want {
		if got := Backoff(i); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i, got, w)
		}
	}
}
