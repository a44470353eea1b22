package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestNormalMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<abc@Example.ORG>", "abc@example.org"},
		{"  <ABC@example.org> (comment)", "ABC@example.org"},
		{"<abc@\r\n example.org>", "abc@example.org"},
		{"abc@EXAMPLE.org", "abc@example.org"},
		{"", ""},
		{"<>", ""},
	}
	for _, tt := range tests {
		if got := NormalMessageID(tt.in); got != tt.want {
			t.Errorf("NormalMessageID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMessageOutcomes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		failures int
		then     func(s *Store, id MsgID) error
		want     Outcome
		reason   string
		retry    bool
	}{
		{"pending", 0, nil, OutcomePending, "", true},
		{"ignored", 0, func(s *Store, id MsgID) error {
			return s.SetOutcome(ctx, id, OutcomeIgnore, "", "auto-reply")
		}, OutcomeIgnore, "auto-reply", false},
		{"failed once", 1, nil, OutcomeFailed, "boom 1", true},
		{"failed twice", 2, nil, OutcomeFailed, "boom 2", true},
		{"quarantined", 3, nil, OutcomeQuarantined, "boom 3", false},
		{"failed then ok", 2, func(s *Store, id MsgID) error {
			return s.SetOutcome(ctx, id, OutcomeCommand, "LS-2026-0001", "")
		}, OutcomeCommand, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{MaxAttempts: 3})
			id, err := s.PutMessage(ctx, Envelope{Source: "import:x.mbox", MessageID: "<m@x>"}, []byte("raw"))
			if err != nil {
				t.Fatal(err)
			}
			other, err := s.PutMessage(ctx, Envelope{Source: "import:x.mbox"}, []byte("other"))
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= tt.failures; i++ {
				if _, err := s.MarkFailed(ctx, id, fmt.Errorf("boom %d", i)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.then != nil {
				if err := tt.then(s, id); err != nil {
					t.Fatal(err)
				}
			}
			m, err := s.Message(id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Outcome != tt.want || m.Reason != tt.reason || m.Attempts != tt.failures {
				t.Fatalf("message = %+v, want outcome %s reason %q attempts %d", m, tt.want, tt.reason, tt.failures)
			}
			un, err := s.Unfinished()
			if err != nil {
				t.Fatal(err)
			}
			var ids []MsgID
			for _, u := range un {
				ids = append(ids, u.ID)
			}
			want := []MsgID{other}
			if tt.retry {
				want = []MsgID{id, other}
			}
			if fmt.Sprint(ids) != fmt.Sprint(want) {
				t.Fatalf("Unfinished = %v, want %v (the rest keep flowing)", ids, want)
			}
			if errs := s.Check(); len(errs) != 0 {
				t.Fatalf("Check: %v", errs)
			}
		})
	}
}

func TestPutMessageProvenance(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	raw := bytes.Repeat([]byte("x"), 3<<20)
	id, err := s.PutMessage(ctx, Envelope{
		Source: "imap:acct/INBOX", From: "sender@sdo.org", To: []string{"ls@ietf.org"}, MessageID: "<Big@Host.Example>",
	}, raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Message(id)
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageID != "Big@host.example" || m.Source != "imap:acct/INBOX" || m.EnvelopeFrom != "sender@sdo.org" ||
		len(m.Recipients) != 1 || m.Size != int64(len(raw)) || m.Outcome != OutcomePending || !m.Received.Equal(testNow) {
		t.Fatalf("message = %+v", m)
	}
	var buf bytes.Buffer
	if n, err := s.WriteRaw(id, &buf); err != nil || n != int64(len(raw)) || !bytes.Equal(buf.Bytes(), raw) {
		t.Fatalf("WriteRaw = %d, %v", n, err)
	}
	for _, q := range []string{"<Big@HOST.example>", "Big@host.example"} {
		if ok, err := s.HasMessageID(q); err != nil || !ok {
			t.Fatalf("HasMessageID(%q) = %v, %v", q, ok, err)
		}
	}
	if ok, _ := s.HasMessageID("<big@host.example>"); ok {
		t.Fatal("HasMessageID ignores the case of the left part")
	}
	if _, err := s.Message(999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Message(999) = %v", err)
	}
}

func TestManyConcurrentWriters(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	const writers, each = 32, 20
	var wg sync.WaitGroup
	ids := make([][]MsgID, writers)
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				raw := fmt.Appendf(nil, "Message-ID: <%d.%d@x>\r\n\r\n%s", w, i, bytes.Repeat([]byte{'a' + byte(w%26)}, 10_000*(i%3)))
				id, err := s.PutMessage(ctx, Envelope{Source: "smtp:test", MessageID: fmt.Sprintf("<%d.%d@x>", w, i)}, raw)
				if err != nil {
					errs <- err
					return
				}
				ids[w] = append(ids[w], id)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[MsgID]bool{}
	for w := range writers {
		for i, id := range ids[w] {
			if seen[id] {
				t.Fatalf("id %d given twice", id)
			}
			seen[id] = true
			m, err := s.Message(id)
			if err != nil || m.MessageID != fmt.Sprintf("%d.%d@x", w, i) {
				t.Fatalf("message %d = %+v, %v", id, m, err)
			}
		}
	}
	all, err := s.Messages()
	if err != nil || len(all) != writers*each {
		t.Fatalf("Messages = %d, %v", len(all), err)
	}
	if errs := s.Check(); len(errs) != 0 {
		t.Fatalf("Check: %v", errs)
	}
}
