package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "liaisond.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func corpusMail(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("parse", "testdata", "corpus", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIntakeCorpus takes corpus mails in and checks what became of each, the list copy of
// 001 included.
func TestIntakeCorpus(t *testing.T) {
	st := openStore(t)
	in := New(st, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		outcome store.Outcome
		record  string
	}{
		{"001-itu-sg15-ccamp-otn-yang", store.OutcomeRecord, "LS-2026-0001"},
		{"002-3gpp-sa2-detnet-zip", store.OutcomeRecord, "LS-2026-0002"},
		{"013-list-ccamp-exact-dup", store.OutcomeDuplicate, "LS-2026-0001"},
		{"036-not-ooo-autoreply", store.OutcomeIgnore, ""},
		{"037-not-dsn-bounce", store.OutcomeIgnore, ""},
	} {
		id, err := in.Accept(ctx, store.Envelope{Source: "test:" + tc.name}, corpusMail(t, tc.name))
		if err != nil {
			t.Fatal(err)
		}
		out, err := in.Process(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if out.Outcome != tc.outcome || out.Record != tc.record {
			t.Errorf("%s: %s %s (%s), want %s %s", tc.name, out.Outcome, out.Record, out.Reason, tc.outcome, tc.record)
		}
		m, err := st.Message(id)
		if err != nil {
			t.Fatal(err)
		}
		if tc.name == "013-list-ccamp-exact-dup" && !strings.Contains(out.Reason, "message-id") {
			t.Errorf("list copy taken as a duplicate by %q, want by its Message-ID", out.Reason)
		}
		if m.Outcome != tc.outcome {
			t.Errorf("%s: stored outcome %s, want %s", tc.name, m.Outcome, tc.outcome)
		}
		if tc.outcome == store.OutcomeIgnore && m.Reason == "" {
			t.Errorf("%s: ignored without a reason", tc.name)
		}
	}
	recs, err := st.Records("")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	if len(recs[0].Sources) != 2 {
		t.Errorf("LS-2026-0001 has %d sources, want the direct and the list copy", len(recs[0].Sources))
	}
}

// TestIntakeFailureQuarantine checks that a parser failure is kept and listed, retried, and
// quarantined after the store's limit while other messages flow on.
func TestIntakeFailureQuarantine(t *testing.T) {
	st := openStore(t)
	in := New(st, Options{})
	broken := errors.New("parser bug")
	in.parse = func(raw []byte, o parse.Options) (*parse.Result, error) {
		if string(raw) == "boom" {
			return nil, broken
		}
		return parse.Parse(raw, o)
	}
	ctx := context.Background()
	bad, err := in.Accept(ctx, store.Envelope{Source: "test"}, []byte("boom"))
	if err != nil {
		t.Fatal(err)
	}
	var last Outcome
	for i := 0; i < 3; i++ {
		last, err = in.Process(ctx, bad)
		if !errors.Is(err, broken) {
			t.Fatalf("attempt %d: err %v", i+1, err)
		}
	}
	if last.Outcome != store.OutcomeQuarantined {
		t.Fatalf("after 3 failures: %s, want quarantined", last.Outcome)
	}
	good, _ := in.Accept(ctx, store.Envelope{Source: "test"}, corpusMail(t, "004-bbf-netmod-opsawg-info"))
	if out, err := in.Process(ctx, good); err != nil || out.Outcome != store.OutcomeRecord {
		t.Fatalf("next message: %+v %v", out, err)
	}
	m, _ := st.Message(bad)
	if m.Outcome != store.OutcomeQuarantined || m.Reason == "" {
		t.Errorf("quarantined message listed as %s %q", m.Outcome, m.Reason)
	}
}

// TestIntakeRun checks that Run processes what was left unfinished and what arrives, and
// that many sources racing with the same statement make one record.
func TestIntakeRun(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	// Left pending by an earlier run that crashed after the commit.
	left, err := st.PutMessage(ctx, store.Envelope{Source: "earlier"}, corpusMail(t, "001-itu-sg15-ccamp-otn-yang"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan Outcome, 20)
	in := New(st, Options{OnProcessed: func(_ store.Message, o Outcome) { done <- o }})
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error)
	go func() { ran <- in.Run(runCtx) }()
	if o := <-done; o.Message != left || o.Outcome != store.OutcomeRecord {
		t.Fatalf("leftover: %+v", o)
	}
	var wg sync.WaitGroup
	raw := corpusMail(t, "019-fwd-gmail-itu-sg11-stir")
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := in.Accept(ctx, store.Envelope{Source: "racer"}, raw); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	created := 0
	for i := 0; i < 8; i++ {
		if o := <-done; o.Outcome == store.OutcomeRecord {
			created++
		} else if o.Outcome != store.OutcomeDuplicate {
			t.Errorf("racer: %+v", o)
		}
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if created != 1 {
		t.Errorf("%d records from one statement, want 1", created)
	}
}

// TestImportWhileRunning: a message imported while Run works is processed once, not by both.
func TestImportWhileRunning(t *testing.T) {
	st := openStore(t)
	var mu sync.Mutex
	seen := map[store.MsgID]int{}
	in := New(st, Options{OnProcessed: func(m store.Message, _ Outcome) {
		mu.Lock()
		seen[m.ID]++
		mu.Unlock()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	raw := corpusMail(t, "004-bbf-netmod-opsawg-info")
	for i := 0; i < 20; i++ {
		if _, err := in.Import(context.Background(), store.Envelope{Source: "import:test"}, raw); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 20 {
		t.Errorf("%d messages processed, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %d processed %d times", id, n)
		}
	}
}
