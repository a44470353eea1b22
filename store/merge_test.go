package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ietf-tools/liaisond"
)

// statement returns a minimal statement with a title and a sender.
func statement(title, from string) liaisond.Statement {
	return liaisond.Statement{
		Title: title, FromGroups: []string{"3GPP SA2"}, ToGroups: []string{"IETF"},
		FromContact: &liaisond.Contact{Name: "Officer", Email: from},
		Purpose:     liaisond.PurposeInfo, Body: "text",
	}
}

// file returns an attachment and its bytes keyed by hash.
func file(name, content string) (liaisond.Attachment, map[string][]byte) {
	sum := sha256.Sum256([]byte(content))
	h := hex.EncodeToString(sum[:])
	return liaisond.Attachment{Filename: name, ContentType: "application/pdf", Size: int64(len(content)), SHA256: h},
		map[string][]byte{h: []byte(content)}
}

func withFiles(st liaisond.Statement, names ...string) (liaisond.Statement, map[string][]byte) {
	files := map[string][]byte{}
	for _, n := range names {
		a, f := file(n, "content of "+n)
		st.Attachments = append(st.Attachments, a)
		for k, v := range f {
			files[k] = v
		}
	}
	return st, files
}

type arrival struct {
	mid, source string
	st          liaisond.Statement
	files       map[string][]byte
}

func TestDedup(t *testing.T) {
	withAB, filesAB := withFiles(statement("LS on QoS", "a@3gpp.org"), "a.pdf", "b.doc")
	// The same files under other names, in the other order, forwarded by a chair.
	fwdBA, filesBA := withFiles(statement("  ls ON  qos ", "a@3gpp.org"), "b.doc", "a.pdf")
	fwdBA.Attachments[0].Filename, fwdBA.Attachments[1].Filename = "renamed.doc", "x.pdf"
	fwdBA.ForwardedBy = &liaisond.Contact{Email: "chair@ietf.org"}
	withA, filesA := withFiles(statement("LS on QoS", "a@3gpp.org"), "a.pdf")
	tests := []struct {
		name     string
		arrivals []arrival
		want     []Merge // one per arrival
	}{
		{"same Message-ID from two sources", []arrival{
			{"<m1@3gpp.org>", "smtp:x", statement("T", "a@3gpp.org"), nil},
			{"<m1@3GPP.ORG>", "imap:chairs/INBOX", statement("T", "a@3gpp.org"), nil},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0001", DuplicateOf: DedupMessageID}}},
		{"same Message-ID, parsed differently", []arrival{
			{"<m1@x>", "smtp:x", statement("T", "a@3gpp.org"), nil},
			{"<m1@x>", "smtp:x", statement("Other", "b@3gpp.org"), nil},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0001", DuplicateOf: DedupMessageID}}},
		{"forward with same title and attachments", []arrival{
			{"<m1@x>", "smtp:x", withAB, filesAB},
			{"<fwd@ietf.org>", "imap:chair/INBOX", fwdBA, filesBA},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0001", DuplicateOf: DedupAttachments}}},
		{"same title, different attachments", []arrival{
			{"<m1@x>", "smtp:x", withAB, filesAB},
			{"<m2@x>", "smtp:x", withA, filesA},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0002", Created: true}}},
		{"no attachments, same title and sender", []arrival{
			{"<m1@x>", "smtp:x", statement("Title", "A@3gpp.org"), nil},
			{"<m2@x>", "smtp:x", statement("title", "a@3gpp.org"), nil},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0001", DuplicateOf: DedupSender}}},
		{"no attachments, other sender", []arrival{
			{"<m1@x>", "smtp:x", statement("Title", "a@3gpp.org"), nil},
			{"<m2@x>", "smtp:x", statement("Title", "b@3gpp.org"), nil},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0002", Created: true}}},
		{"no title never matches on content", []arrival{
			{"<m1@x>", "smtp:x", statement("", "a@3gpp.org"), nil},
			{"<m2@x>", "smtp:x", statement("", "a@3gpp.org"), nil},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0002", Created: true}}},
		{"no Message-ID, same bytes", []arrival{
			{"", "smtp:x", statement("A", "a@3gpp.org"), nil},
			{"", "smtp:x", statement("B", "a@3gpp.org"), nil},
		}, []Merge{{Record: "LS-2026-0001", Created: true}, {Record: "LS-2026-0001", DuplicateOf: DedupMessageID}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			ctx := context.Background()
			for i, a := range tt.arrivals {
				id, err := s.PutMessage(ctx, Envelope{Source: a.source, MessageID: a.mid}, []byte("same bytes"))
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: a.st, Files: a.files})
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want[i] {
					t.Fatalf("arrival %d: %+v, want %+v", i, got, tt.want[i])
				}
				again, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: a.st, Files: a.files})
				if err != nil || again.Record != got.Record || again.Created != got.Created {
					t.Fatalf("arrival %d again: %+v, %v; want idempotent", i, again, err)
				}
				m, _ := s.Message(id)
				wantOutcome := OutcomeDuplicate
				if got.Created {
					wantOutcome = OutcomeRecord
				}
				if m.Outcome != wantOutcome || m.Record != got.Record {
					t.Fatalf("message outcome %s %s, want %s %s", m.Outcome, m.Record, wantOutcome, got.Record)
				}
			}
			recs, err := s.Records("")
			if err != nil {
				t.Fatal(err)
			}
			sources := 0
			for _, r := range recs {
				sources += len(r.Sources)
				msgs, _ := s.RecordMessages(r.ID)
				if len(msgs) != len(r.Sources) {
					t.Fatalf("%s: %d messages for %d sources", r.ID, len(msgs), len(r.Sources))
				}
				for _, a := range r.Attachments {
					if a.StoredAs != AttachmentKey(a.SHA256) {
						t.Fatalf("%s: attachment %s stored as %q", r.ID, a.Filename, a.StoredAs)
					}
					data, err := s.Attachment(a.StoredAs)
					if err != nil || len(data) != int(a.Size) {
						t.Fatalf("attachment %s: %d bytes, %v", a.Filename, len(data), err)
					}
				}
			}
			if sources != len(tt.arrivals) {
				t.Fatalf("%d sources over all records, want %d (one per arrival)", sources, len(tt.arrivals))
			}
			if errs := s.Check(); len(errs) != 0 {
				t.Fatalf("Check: %v", errs)
			}
		})
	}
}

func TestRecordContents(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	st, files := withFiles(statement("LS on X", "a@3gpp.org"), "a.pdf")
	st.Purpose, st.Deadline = liaisond.PurposeAction, "2026-12-15"
	id, _ := s.PutMessage(ctx, Envelope{Source: "smtp:x", From: "bounce@3gpp.org", MessageID: "<m@x>"}, []byte("raw"))
	fwd := st
	fwd.ForwardedBy = &liaisond.Contact{Email: "chair@ietf.org"}
	m, err := s.CreateOrMerge(ctx, id, NewRecord{
		Statement: st, Files: files, Problems: []string{"deadline unsure"},
		Ack: liaisond.Ack{Send: true, To: []string{"a@3gpp.org"}, OnReceipt: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := s.PutMessage(ctx, Envelope{Source: "imap:chair/INBOX", MessageID: "<fwd@ietf.org>"}, []byte("raw2"))
	if _, err := s.CreateOrMerge(ctx, id2, NewRecord{Statement: fwd, Files: files}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Get(m.Record)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != liaisond.StatePending || !slices.Equal(r.Tags, []string{TagRequired}) ||
		!r.Ack.OnReceipt || !r.Ack.Send || !slices.Contains(r.Problems, "deadline unsure") {
		t.Fatalf("record = %+v", r)
	}
	if len(r.Sources) != 2 || r.Sources[0].Source != "smtp:x" || r.Sources[0].EnvelopeFrom != "bounce@3gpp.org" ||
		r.Sources[1].ForwardedBy == nil || r.Sources[1].ForwardedBy.Email != "chair@ietf.org" {
		t.Fatalf("sources = %+v", r.Sources)
	}
	if _, err := s.MarkFailed(ctx, id, errors.New("late")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("MarkFailed on a recorded message: %v", err)
	}
	var kinds []liaisond.EventKind
	for _, e := range r.Events {
		kinds = append(kinds, e.Kind)
	}
	if want := []liaisond.EventKind{liaisond.EventMsgIn, liaisond.EventSubmitted, liaisond.EventDuplicate}; !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
}

func TestRecordIDSequencePerYear(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	tests := []struct {
		year int
		want string
	}{
		{2026, "LS-2026-0001"}, {2026, "LS-2026-0002"}, {2027, "LS-2027-0001"}, {2026, "LS-2026-0003"}, {2025, "LS-2025-0001"},
	}
	for i, tt := range tests {
		received := time.Date(tt.year, 6, 1, 0, 0, 0, 0, time.UTC)
		id, err := s.PutMessage(ctx, Envelope{Source: "import:a", Received: received, MessageID: fmt.Sprintf("<%d@x>", i)}, []byte("r"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: statement(fmt.Sprint("T", i), "a@x")})
		if err != nil || m.Record != tt.want {
			t.Fatalf("arrival %d: %+v, %v; want %s", i, m, err, tt.want)
		}
	}
	recs, _ := s.Records("")
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	want := []string{"LS-2025-0001", "LS-2026-0001", "LS-2026-0002", "LS-2026-0003", "LS-2027-0001"}
	if !slices.Equal(ids, want) {
		t.Fatalf("Records order %v, want %v", ids, want)
	}
	for _, id := range []string{"LS-2026-0042", "LS-2026-12345"} {
		if y, n, ok := ParseRecordID(id); !ok || FormatRecordID(y, n) != id {
			t.Fatalf("ParseRecordID(%q) = %d %d %v", id, y, n, ok)
		}
	}
	for _, id := range []string{"LS-26-0001", "LS-2026-01", "LS-2026-00001", "ls-2026-0001", "LS-2026-0000", "../x"} {
		if _, _, ok := ParseRecordID(id); ok {
			t.Fatalf("ParseRecordID(%q) accepted", id)
		}
	}
}

func TestRacingArrivalsMakeOneRecord(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	st, files := withFiles(statement("LS on racing", "a@3gpp.org"), "a.pdf")
	const racers = 16
	ids := make([]MsgID, racers)
	for i := range racers {
		id, err := s.PutMessage(ctx, Envelope{Source: fmt.Sprintf("imap:chair%d/INBOX", i), MessageID: fmt.Sprintf("<fwd%d@x>", i)}, []byte("r"))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	results := make([]Merge, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			m, err := s.CreateOrMerge(ctx, ids[i], NewRecord{Statement: st, Files: files})
			if err != nil {
				t.Error(err)
			}
			results[i] = m
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for _, m := range results {
		if m.Created {
			created++
		}
		if m.Record != "LS-2026-0001" {
			t.Fatalf("result %+v", m)
		}
	}
	if created != 1 {
		t.Fatalf("%d records created, want 1", created)
	}
	r, _ := s.Get("LS-2026-0001")
	if len(r.Sources) != racers {
		t.Fatalf("%d sources, want %d", len(r.Sources), racers)
	}
}

func TestCreateOrMergeRefusesBadInput(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	id, _ := s.PutMessage(ctx, Envelope{Source: "x"}, []byte("r"))
	st := statement("T", "a@x")
	st.Attachments = []liaisond.Attachment{{Filename: "../../etc/passwd", SHA256: "not-a-hash"}}
	if _, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: st}); err == nil {
		t.Fatal("bad hash accepted")
	}
	if _, err := s.CreateOrMerge(ctx, 999, NewRecord{Statement: statement("T", "a@x")}); err == nil {
		t.Fatal("unknown message accepted")
	}
	m, _ := s.Message(id)
	if m.Outcome != OutcomePending {
		t.Fatalf("outcome %s after refused input", m.Outcome)
	}
}

// TestMergeRerun: the group commit runs a batch again without a member that failed; a
// record created in the first run must be created again, not taken for a duplicate of the
// rolled-back one.
func TestMergeRerun(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	id, err := s.PutMessage(ctx, Envelope{Source: "test", MessageID: "<rerun@x>"}, []byte("Message-ID: <rerun@x>\r\n\r\nbody"))
	if err != nil {
		t.Fatal(err)
	}
	hold, release := make(chan struct{}), make(chan struct{})
	go s.Update(ctx, func(*Tx) error { // occupies the commit loop so the next two share a batch
		select {
		case hold <- struct{}{}:
		default:
		}
		<-release
		return nil
	})
	<-hold
	merged := make(chan error, 1)
	go func() {
		_, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: statement("Rerun", "a@x")})
		merged <- err
	}()
	waitQueued(t, s, 1) // the merge first, so that it has run when the failing write rolls the batch back
	failed := make(chan error, 1)
	go func() { failed <- s.Update(ctx, func(*Tx) error { return errors.New("this write fails") }) }()
	waitQueued(t, s, 2)
	close(release)
	if err := <-merged; err != nil {
		t.Fatalf("CreateOrMerge after a rolled-back batch: %v", err)
	}
	if err := <-failed; err == nil {
		t.Fatal("the failing write succeeded")
	}
	recs, _ := s.Records("")
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
}

// waitQueued waits until n writes wait for the commit loop.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.gc.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(s.gc.reqs), n)
		}
		runtime.Gosched() // the writers are goroutines about to queue: let them run
	}
}
