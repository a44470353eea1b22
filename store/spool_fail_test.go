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

// TestSpoolDamageRefused: a segment shorter than the database records lost acknowledged
// messages: Open refuses instead of going on without them.
func TestSpoolDamageRefused(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, seg []byte) []byte
		want   string
	}{
		{"short segment", func(t *testing.T, path string, seg []byte) []byte { return seg[:len(seg)-50] }, "damaged"},
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

// TestSpoolDamageSkipped: bad bytes among the frames a crash left unindexed (a damaged
// message, or a group whose pages reached the disk out of order before a power loss) are
// skipped and noted; the intact messages after them are kept, in a later segment too.
func TestSpoolDamageSkipped(t *testing.T) {
	defer func(old int64) { maxSegment = old }(maxSegment)
	maxSegment = 3000 // two messages of 1000 bytes per segment
	tests := []struct {
		name   string
		damage func(seg []byte, second int64)
		seg    uint32 // the segment damaged
		lost   MsgID
	}{
		{"body of a message", func(seg []byte, second int64) { seg[second+frameHeaderLen+500] ^= 1 }, 1, 2},
		{"header zeroed", func(seg []byte, second int64) { clear(seg[second : second+frameHeaderLen]) }, 1, 2},
		{"end of a segment", func(seg []byte, second int64) { seg[len(seg)-10] ^= 1 }, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTest(t, Options{})
			ids, raws := putN(t, s, 4, 1000)
			s.Close()
			unindex(t, path, 1)
			name := filepath.Join(spoolDir(path), segName(tt.seg))
			seg, _ := os.ReadFile(name)
			h, err := decodeFrameHeader(seg[segHeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(seg, segHeaderLen+h.size())
			if err := os.WriteFile(name, seg, 0o600); err != nil {
				t.Fatal(err)
			}
			s = reopen(t, path)
			if len(s.Recovered()) == 0 {
				t.Error("nothing noted about the bad bytes")
			}
			var keptIDs []MsgID
			var keptRaws [][]byte
			for i, id := range ids {
				if id != tt.lost {
					keptIDs, keptRaws = append(keptIDs, id), append(keptRaws, raws[i])
				}
			}
			checkRaws(t, s, keptIDs, keptRaws)
			more, moreRaws := putN(t, s, 1, 10)
			s.Close()
			s = reopen(t, path)
			checkRaws(t, s, append(keptIDs, more...), append(keptRaws, moreRaws...))
		})
	}
}

// TestSpoolBreakKeepsAcknowledged: when the spool breaks, the messages acknowledged
// before still get their index, and their readers do not wait for ever.
func TestSpoolBreakKeepsAcknowledged(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	block, running := make(chan struct{}), make(chan struct{})
	wg.Go(func() { _ = s.Update(ctx, func(*Tx) error { close(running); <-block; return nil }) })
	<-running
	raw := msgBytes("a@x", 10)
	idA, err := s.PutMessage(ctx, Envelope{Source: "t", MessageID: "<a@x>"}, raw)
	if err != nil {
		t.Fatal(err)
	}
	s.spool.w.Close() // the next write and its cut-back fail: the spool breaks
	if _, err := s.PutMessage(ctx, Envelope{Source: "t"}, msgBytes("b@x", 10)); err == nil {
		t.Fatal("a message was taken by a broken spool")
	}
	close(block)
	wg.Wait()
	if got, err := s.Raw(idA); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("acknowledged message after the spool broke: %q, %v", got, err)
	}
}

// forgedFrame is what a frame looks like, for a message to carry in its body.
func forgedFrame(id MsgID, meta, body []byte) []byte {
	h := frameHeader{id: id, metaLen: uint32(len(meta)), bodyLen: uint64(len(body)), crc: payloadCRC(meta, body)}
	return append(append(h.encode(), meta...), body...)
}

// TestSpoolFramesInsideMessages: a message may carry frames in its body; when it is torn
// by a crash, none of them is taken for a message. A Message-ID of any length is kept
// as the hash it is indexed under, so provenance stays small.
func TestSpoolFramesInsideMessages(t *testing.T) {
	s, path := openTest(t, Options{})
	ids, raws := putN(t, s, 1, 100)
	body := append([]byte("Subject: x\r\n\r\n"), forgedFrame(1<<40, []byte(`{}`), []byte("hi"))...)
	body = append(body, make([]byte, 2000)...)
	if _, err := s.PutMessage(context.Background(), Envelope{Source: "t"}, body); err != nil {
		t.Fatal(err)
	}
	long := "<" + strings.Repeat("&", 200<<10) + "@x>"
	idL, err := s.PutMessage(context.Background(), Envelope{Source: "t", MessageID: long}, []byte("Subject: long id\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.HasMessageID(long); !ok || err != nil {
		t.Fatalf("HasMessageID of the long id: %v, %v", ok, err)
	}
	if _, err := s.Backup(&bytes.Buffer{}); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	s.Close()
	unindex(t, path, 1) // messages 2 and 3 were being written when the process was killed
	name := filepath.Join(spoolDir(path), segName(1))
	seg, _ := os.ReadFile(name)
	cut := int64(bytes.Index(seg, body) + len(body) - 1000)
	if err := os.Truncate(name, cut); err != nil { // the end of message 2 never reached the file
		t.Fatal(err)
	}
	s = reopen(t, path)
	checkRaws(t, s, ids, raws)
	if _, err := s.Message(idL); !errors.Is(err, ErrNotFound) {
		t.Fatalf("message %d after its bytes were cut: %v", idL, err)
	}
}

// TestReadOnlyEmptyNextSegment: a next segment that holds only its header (made just
// before a failure) is no unindexed message.
func TestReadOnlyEmptyNextSegment(t *testing.T) {
	s, path := openTest(t, Options{})
	putN(t, s, 2, 100)
	id := s.spool.id
	s.Close()
	if err := os.WriteFile(filepath.Join(spoolDir(path), segName(2)), segHeader(id, 2), 0o600); err != nil {
		t.Fatal(err)
	}
	reopen(t, path).Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Backup(&bytes.Buffer{}); err != nil {
		t.Fatalf("read-only backup: %v", err)
	}
}
