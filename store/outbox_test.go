package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ietf-tools/liaisond"
)

// clock is a settable time for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func confirmMail(rec string) OutboxEntry {
	return OutboxEntry{Kind: KindConfirm, Record: rec, To: []string{"coord@iab.org"},
		Subject: "[" + rec + "] Please confirm: T", MessageID: "c1@ls.example", Raw: []byte("Subject: confirm\r\n\r\nbody")}
}

func TestOutboxInRecordTransaction(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("gate refused")
	tests := []struct {
		name    string
		then    func(tx *Tx, m Merge, r *liaisond.Record) error
		wantErr bool
		queued  int
	}{
		{"confirm queued with the record", func(tx *Tx, m Merge, r *liaisond.Record) error {
			_, err := tx.Enqueue(confirmMail(m.Record))
			return err
		}, false, 1},
		{"hook fails: nothing kept", func(tx *Tx, m Merge, r *liaisond.Record) error {
			if _, err := tx.Enqueue(confirmMail(m.Record)); err != nil {
				return err
			}
			return boom
		}, true, 0},
		{"bad entry: nothing kept", func(tx *Tx, m Merge, r *liaisond.Record) error {
			_, err := tx.Enqueue(OutboxEntry{Kind: "spam", To: []string{"x@y"}, Raw: []byte("x")})
			return err
		}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			id, _ := s.PutMessage(ctx, Envelope{Source: "smtp:x", MessageID: "<a@x>"}, []byte("raw"))
			_, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: statement("T", "a@x"), Then: tt.then})
			if (err != nil) != tt.wantErr {
				t.Fatalf("CreateOrMerge: %v", err)
			}
			recs, _ := s.Records("")
			out, _ := s.Outbox()
			if len(out) != tt.queued || len(recs) != tt.queued {
				t.Fatalf("%d records, %d outbox entries, want %d each", len(recs), len(out), tt.queued)
			}
			m, _ := s.Message(id)
			if tt.wantErr && m.Outcome != OutcomePending {
				t.Fatalf("outcome %s after failed hook", m.Outcome)
			}
		})
	}
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	type step struct {
		op        string // attempt, fail, fatal, sent, suppress, advance
		advance   time.Duration
		wantState OutboxState
		wantDue   bool
		wantErr   bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"sent first time", []step{
			{op: "attempt", wantState: OutboxQueued, wantDue: false},
			{op: "sent", wantState: OutboxSent},
			{op: "attempt", wantState: OutboxSent, wantErr: true},
		}},
		{"temporary failure, backoff, then sent", []step{
			{op: "attempt", wantState: OutboxQueued},
			{op: "fail", wantState: OutboxQueued, wantDue: false},
			{op: "advance", advance: 4 * time.Minute, wantState: OutboxQueued, wantDue: false},
			{op: "advance", advance: time.Minute, wantState: OutboxQueued, wantDue: true},
			{op: "attempt", wantState: OutboxQueued, wantDue: false},
			{op: "sent", wantState: OutboxSent},
		}},
		{"gives up after max attempts", []step{
			{op: "attempt"}, {op: "fail", wantState: OutboxQueued},
			{op: "advance", advance: time.Hour, wantState: OutboxQueued, wantDue: true},
			{op: "attempt"}, {op: "fail", wantState: OutboxFailed},
		}},
		{"permanent failure", []step{
			{op: "attempt"}, {op: "fatal", wantState: OutboxFailed},
			{op: "advance", advance: 24 * time.Hour, wantState: OutboxFailed},
		}},
		{"suppressed", []step{
			{op: "suppress", wantState: OutboxSuppressed},
			{op: "sent", wantState: OutboxSuppressed, wantErr: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			s, _ := openTest(t, Options{Now: c.Now, OutboxMaxAttempts: 2})
			rec := newRecord(t, s, "<a@x>", statement("T", "a@x"))
			var oid uint64
			if err := s.Update(ctx, func(tx *Tx) (err error) { oid, err = tx.Enqueue(confirmMail(rec)); return err }); err != nil {
				t.Fatal(err)
			}
			if due, _ := s.Due(c.Now()); len(due) != 1 || due[0].ID != oid {
				t.Fatalf("new entry not due: %+v", due)
			}
			for i, st := range tt.steps {
				var err error
				switch st.op {
				case "attempt":
					var e OutboxEntry
					e, err = s.MarkAttempt(ctx, oid)
					if err == nil && (string(e.Raw) != "Subject: confirm\r\n\r\nbody" || !e.NextAttempt.After(c.Now())) {
						t.Fatalf("step %d: MarkAttempt gave %+v", i, e)
					}
				case "fail":
					_, err = s.MarkSendFailed(ctx, oid, errors.New("451 try later"), false)
				case "fatal":
					_, err = s.MarkSendFailed(ctx, oid, errors.New("550 no such user"), true)
				case "sent":
					err = s.MarkSent(ctx, oid)
				case "suppress":
					err = s.Suppress(ctx, oid, "auto-submitted")
				case "advance":
					c.Add(st.advance)
				}
				if (err != nil) != st.wantErr {
					t.Fatalf("step %d %s: %v", i, st.op, err)
				}
				e, _ := s.OutboxEntry(oid)
				if st.wantState != "" && e.State != st.wantState {
					t.Fatalf("step %d %s: state %s, want %s", i, st.op, e.State, st.wantState)
				}
				due, _ := s.Due(c.Now())
				if (len(due) == 1) != st.wantDue {
					t.Fatalf("step %d %s: due %v, want %v", i, st.op, len(due) == 1, st.wantDue)
				}
			}
			if errs := s.Check(); len(errs) != 0 {
				t.Fatalf("Check: %v", errs)
			}
		})
	}
}

func TestOutboxJSONAndEvents(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	rec := newRecord(t, s, "<a@x>", statement("T", "a@x"))
	var oid uint64
	err := s.Update(ctx, func(tx *Tx) (err error) {
		e := confirmMail(rec)
		e.Kind, e.InReplyTo = KindAck, "m@sdo.org"
		oid, err = tx.Enqueue(e)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkAttempt(ctx, oid); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, oid); err != nil {
		t.Fatal(err)
	}
	if ev := lastEvent(t, s, rec); ev.Kind != liaisond.EventMsgOut || !strings.Contains(ev.Text, "coord@iab.org") {
		t.Fatalf("no msgout event: %+v", ev)
	}
	list, _ := s.Outbox()
	data, _ := json.Marshal(list[0])
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	for _, k := range []string{"id", "kind", "record", "to", "cc", "subject", "message_id", "state", "reason", "attempts", "next_attempt", "in_reply_to"} {
		if _, ok := m[k]; !ok {
			t.Errorf("outbox JSON lacks %q: %s", k, data)
		}
	}
	if m["next_attempt"] != "" || m["attempts"] != 1.0 || !slices.Equal(list[0].Cc, []string{}) {
		t.Fatalf("outbox JSON %s", data)
	}
	var back OutboxEntry
	if err := json.Unmarshal(data, &back); err != nil || back.ID != oid || back.LastAttempt.IsZero() {
		t.Fatalf("roundtrip %+v, %v", back, err)
	}
}

func TestRetry(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	var id uint64
	if err := s.Update(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.Enqueue(OutboxEntry{Kind: KindAck, To: []string{"a@b.example"}, Subject: "s", Raw: []byte("x")})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkAttempt(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st, err := s.MarkSendFailed(ctx, id, errors.New("550 no"), true); err != nil || st != OutboxFailed {
		t.Fatalf("%s %v", st, err)
	}
	if err := s.Retry(ctx, id); err != nil {
		t.Fatal(err)
	}
	e, _ := s.OutboxEntry(id)
	if e.State != OutboxQueued || e.Attempts != 0 {
		t.Errorf("after retry: %s, %d attempts", e.State, e.Attempts)
	}
	if err := s.Suppress(ctx, id, "dropped"); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, id); !errors.Is(err, ErrInvalid) {
		t.Errorf("retry of a suppressed mail: %v", err)
	}
}
