package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// until waits, yielding, for cond: the loops under test give no signal of their own for
// "queued" and "spooled".
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
		runtime.Gosched()
	}
}

// holdCommits blocks the commit loop and fills its queue, so that the spool loop stalls
// on its next group's index; release lets everything go.
func holdCommits(t *testing.T, s *Store, wg *sync.WaitGroup) (release func()) {
	ctx := context.Background()
	block, running := make(chan struct{}), make(chan struct{})
	wg.Go(func() { _ = s.Update(ctx, func(*Tx) error { close(running); <-block; return nil }) })
	<-running
	for range maxBatch {
		wg.Go(func() { _ = s.Update(ctx, func(*Tx) error { return nil }) })
	}
	until(t, "full commit queue", func() bool { return len(s.gc.reqs) == maxBatch })
	return func() { close(block) }
}

func msgBytes(mid string, n int) []byte {
	return append([]byte("Message-ID: <"+mid+">\r\n\r\n"), bytes.Repeat([]byte("x"), n)...)
}

// TestSpoolIndexFailure: when a group's index fails after its messages were acknowledged,
// later groups are not indexed either (that would move the recorded end past the first
// ones); a reopen indexes them all.
func TestSpoolIndexFailure(t *testing.T) {
	s, path := openTest(t, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	block, running := make(chan struct{}), make(chan struct{})
	wg.Go(func() { _ = s.Update(ctx, func(*Tx) error { close(running); <-block; return nil }) })
	<-running
	// Stands for a commit failing with a full disk: the index in its group fails.
	wg.Go(func() { _ = s.Update(ctx, func(tx *Tx) error { return tx.tx.DeleteBucket(bucketRawLoc) }) })
	until(t, "breaker queued", func() bool { return len(s.gc.reqs) == 1 })
	idA, err := s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<a@x>"}, msgBytes("a@x", 10))
	if err != nil {
		t.Fatal(err)
	}
	for len(s.gc.reqs) < maxBatch { // B's index goes into a later group
		n := len(s.gc.reqs)
		wg.Go(func() { _ = s.Update(ctx, func(*Tx) error { return nil }) })
		until(t, "queued", func() bool { return len(s.gc.reqs) > n })
	}
	var idB MsgID
	wg.Go(func() { idB, _ = s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<b@x>"}, msgBytes("b@x", 10)) })
	until(t, "B spooled", func() bool { return s.assigned.Load() == uint64(idA)+1 })
	close(block)
	wg.Wait()
	if _, err := s.PutMessage(ctx, Envelope{Source: "t"}, msgBytes("c@x", 10)); err == nil {
		t.Fatal("the store took a message after its index failed")
	}
	s.Close()
	s = reopen(t, path)
	checkRaws(t, s, []MsgID{idA, idB}, [][]byte{msgBytes("a@x", 10), msgBytes("b@x", 10)})
}

// TestSpoolRolloverFailure: a group that cannot start the next segment is refused whole,
// leaves nothing behind, and its ids go to the next messages without confusion.
func TestSpoolRolloverFailure(t *testing.T) {
	defer func(old int64) { maxSegment = old }(maxSegment)
	maxSegment = 4096
	s, path := openTest(t, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	release := holdCommits(t, s, &wg)
	wg.Go(func() { _, _ = s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<p@x>"}, msgBytes("p@x", 10)) })
	until(t, "first message spooled", func() bool { return s.assigned.Load() == 1 })
	var errA, errB error
	wg.Go(func() { _, errA = s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<a@x>"}, msgBytes("a@x", 10)) })
	until(t, "A queued", func() bool { return len(s.gc.puts) == 1 })
	wg.Go(func() { _, errB = s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<b@x>"}, msgBytes("b@x", 5000)) })
	until(t, "B queued", func() bool { return len(s.gc.puts) == 2 })
	seg2 := filepath.Join(spoolDir(path), segName(2))
	if err := os.WriteFile(seg2, nil, 0o600); err != nil { // segment 2 cannot be made
		t.Fatal(err)
	}
	release()
	wg.Wait()
	if errA == nil || errB == nil {
		t.Fatalf("A: %v, B: %v; want both refused", errA, errB)
	}
	os.Remove(seg2) // the cause goes away
	rawC := msgBytes("c@x", 5000)
	idC, err := s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<c@x>"}, rawC)
	if err != nil || idC != 2 {
		t.Fatalf("C: id %d, %v", idC, err)
	}
	s.Close()
	unindex(t, path, 1) // as if killed between C's spool write and its index
	s = reopen(t, path)
	checkRaws(t, s, []MsgID{1, 2}, [][]byte{msgBytes("p@x", 10), rawC})
}

// TestSpoolCrashLeftovers: what a crash while making the spool or a segment leaves behind
// does not stop the next open.
func TestSpoolCrashLeftovers(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
	}{
		{"empty spool folder, no record", func(t *testing.T, path string) {
			if err := os.Mkdir(spoolDir(path), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"segment made half", func(t *testing.T, path string) {
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			putN(t, s, 2, 100)
			s.Close()
			if err := os.WriteFile(filepath.Join(spoolDir(path), segName(2)), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(spoolDir(path), segName(3)+".new"), []byte("LSSP"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "liaisond.db")
			tt.setup(t, path)
			s := reopen(t, path)
			ids, raws := putN(t, s, 1, 10)
			if errs := s.Check(); len(errs) != 0 {
				t.Fatalf("Check: %v (ids %v, %d bytes)", errs, ids, len(raws[0]))
			}
		})
	}
}

// TestSpoolDamageRefused: a segment shorter than the database records, or a damaged frame
// with intact ones after it, is damage: Open refuses instead of cutting messages away.
func TestSpoolDamageRefused(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, seg []byte) []byte
		want   string
	}{
		{"short segment", func(t *testing.T, path string, seg []byte) []byte { return seg[:len(seg)-50] }, "damaged"},
		{"damage before an intact frame", func(t *testing.T, path string, seg []byte) []byte {
			unindex(t, path, 1)
			h, err := decodeFrameHeader(seg[segHeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			seg[segHeaderLen+h.size()+frameHeaderLen+500] ^= 1 // in message 2 of 3
			return seg
		}, "intact message after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTest(t, Options{})
			putN(t, s, 3, 1000)
			s.Close()
			name := filepath.Join(spoolDir(path), segName(1))
			seg, _ := os.ReadFile(name)
			if err := os.WriteFile(name, tt.damage(t, path, seg), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a damaged spool")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open: %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// TestReadOnlyUnindexed: read-only, messages acknowledged just before a crash are not in
// the index yet: a backup refuses rather than leave them out, and Check says so.
func TestReadOnlyUnindexed(t *testing.T) {
	s, path := openTest(t, Options{})
	ids, _ := putN(t, s, 3, 100)
	s.Close()
	unindex(t, path, ids[0])
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Backup(&bytes.Buffer{}); !errors.Is(err, ErrUnindexed) {
		t.Fatalf("read-only backup: %v, want ErrUnindexed", err)
	}
	if errs := ro.Check(); len(errs) != 1 || !errors.Is(errs[0], ErrUnindexed) {
		t.Fatalf("Check: %v", errs)
	}
	ro.Close()
	s = reopen(t, path)
	msgs, _ := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages after a read-write open, want 3", len(msgs))
	}
}
