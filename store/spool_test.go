package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// putN stores n messages of size bytes and returns their ids and bytes.
func putN(t *testing.T, s *Store, n, size int) ([]MsgID, [][]byte) {
	t.Helper()
	var ids []MsgID
	var raws [][]byte
	for i := range n {
		raw := append(fmt.Appendf(nil, "Message-ID: <%d.%d@spool>\r\n\r\n", i, size), bytes.Repeat([]byte{byte('a' + i%26)}, size)...)
		id, err := s.PutMessage(context.Background(), Envelope{Source: "test", MessageID: fmt.Sprintf("<%d.%d@spool>", i, size)}, raw)
		if err != nil {
			t.Fatal(err)
		}
		ids, raws = append(ids, id), append(raws, raw)
	}
	return ids, raws
}

// unindex makes the file look as if the process died after the spool write of every
// message after keep, before their index committed.
func unindex(t *testing.T, path string, keep MsgID) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(btx *bolt.Tx) error {
		msgs, locs := btx.Bucket(bucketMessages), btx.Bucket(bucketRawLoc)
		loc, _ := decodeRawLoc(locs.Get(u64(uint64(keep))))
		for id := uint64(keep) + 1; id <= msgs.Sequence(); id++ {
			var m Message
			if _, err := getJSON(msgs, u64(id), &m); err != nil {
				return err
			}
			for _, del := range []struct {
				b []byte
				k []byte
			}{{bucketMessages, u64(id)}, {bucketRawLoc, u64(id)}, {bucketTodo, u64(id)}, {bucketMsgIDs, msgIDIndexKey(m.dedupID(), m.ID)}} {
				if err := btx.Bucket(del.b).Delete(del.k); err != nil {
					return err
				}
			}
		}
		if err := msgs.SetSequence(uint64(keep)); err != nil {
			return err
		}
		return btx.Bucket(bucketMeta).Put(keySpoolEnd, encodeSpoolEnd(loc.seg, loc.end()))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkRaws verifies that the store holds exactly these messages, intact and sound.
func checkRaws(t *testing.T, s *Store, ids []MsgID, raws [][]byte) {
	t.Helper()
	for i, id := range ids {
		got, err := s.Raw(id)
		if err != nil || !bytes.Equal(got, raws[i]) {
			t.Fatalf("message %d: %d bytes, %v; want %d bytes", id, len(got), err, len(raws[i]))
		}
	}
	msgs, err := s.Messages()
	if err != nil || len(msgs) != len(ids) {
		t.Fatalf("%d messages (%v), want %d", len(msgs), err, len(ids))
	}
	if errs := s.Check(); len(errs) != 0 {
		t.Fatalf("Check: %v", errs)
	}
}

func reopen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestSpoolRecovery covers what Open finds after a crash: frames acknowledged but not
// indexed, a frame torn at the end, both across segments.
func TestSpoolRecovery(t *testing.T) {
	defer func(old int64) { maxSegment = old }(maxSegment)
	maxSegment = 16 << 10
	tests := []struct {
		name string
		torn int // bytes of a torn frame left at the end of the last segment
	}{
		{"unindexed frames", 0},
		{"torn header", 10},
		{"torn body", 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTest(t, Options{})
			ids, raws := putN(t, s, 8, 5000) // three per segment
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			unindex(t, path, ids[1])
			if tt.torn > 0 {
				last := filepath.Join(spoolDir(path), segName(3))
				seg, _ := os.ReadFile(last)
				tail := seg[segHeaderLen:] // the first frame of the segment, cut short
				f, _ := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
				_, _ = f.Write(tail[:tt.torn])
				f.Close()
			}
			s = reopen(t, path)
			checkRaws(t, s, ids, raws)
			un, _ := s.Unfinished()
			if len(un) != len(ids) {
				t.Fatalf("%d pending after recovery, want %d", len(un), len(ids))
			}
			more, moreRaws := putN(t, s, 1, 100)
			if more[0] != ids[len(ids)-1]+1 {
				t.Fatalf("next id %d after %d", more[0], ids[len(ids)-1])
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = reopen(t, path)
			checkRaws(t, s, append(ids, more...), append(raws, moreRaws...))
		})
	}
}

// TestSpoolRefuses covers the states Open must not guess about.
func TestSpoolRefuses(t *testing.T) {
	defer func(old int64) { maxSegment = old }(maxSegment)
	maxSegment = 16 << 10
	tests := []struct {
		name    string
		damage  func(t *testing.T, path string)
		wantErr string
	}{
		{"spool folder missing", func(t *testing.T, path string) {
			if err := os.RemoveAll(spoolDir(path)); err != nil {
				t.Fatal(err)
			}
		}, "records messages in segment"},
		{"folder of another database", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, "has no record of them"},
		{"segment of another database", func(t *testing.T, path string) {
			seg := filepath.Join(spoolDir(path), segName(1))
			b, _ := os.ReadFile(seg)
			b[10] ^= 0xff
			if err := os.WriteFile(seg, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not segment 1 of this database's spool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTest(t, Options{})
			putN(t, s, 8, 5000)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, path)
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want an error saying %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Open: %v, want it to say %q", err, tt.wantErr)
			}
		})
	}
}

// TestSpoolDamageFound: a flipped byte in a stored message is an error on reading it and a
// problem for Check, never silently different bytes.
func TestSpoolDamageFound(t *testing.T) {
	s, path := openTest(t, Options{})
	ids, _ := putN(t, s, 2, 5000)
	seg := filepath.Join(spoolDir(path), segName(1))
	b, _ := os.ReadFile(seg)
	b[len(b)-100] ^= 0x01 // inside the second message's body
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Raw(ids[0]); err != nil {
		t.Fatalf("undamaged message: %v", err)
	}
	if _, err := s.Raw(ids[1]); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("damaged message read: %v", err)
	}
	if errs := s.Check(); len(errs) != 1 {
		t.Fatalf("Check found %v, want the one damaged message", errs)
	}
}

// TestBackupSelfContained: a backup holds the spooled bytes itself and opens alone.
func TestBackupSelfContained(t *testing.T) {
	s, _ := openTest(t, Options{})
	ids, raws := putN(t, s, 5, 3000)
	out := filepath.Join(t.TempDir(), "backup.db")
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b := reopen(t, out)
	checkRaws(t, b, ids, raws)
	more, moreRaws := putN(t, b, 1, 10)
	checkRaws(t, b, append(ids, more...), append(raws, moreRaws...))
	if entries, _ := os.ReadDir(filepath.Dir(s.Path())); len(entries) != 2 {
		t.Fatalf("backup left files beside the database: %v", entries)
	}
}

// TestSpoolWriteFailure: a message whose spool write fails is never acknowledged; after a
// failure that leaves the spool in doubt the store takes no more messages until reopened,
// and the reopened store has exactly the acknowledged ones.
func TestSpoolWriteFailure(t *testing.T) {
	s, path := openTest(t, Options{})
	ids, raws := putN(t, s, 2, 1000)
	s.spool.w.Close() // every write and the cut-back fail from here on
	ctx := context.Background()
	for i := range 2 {
		if _, err := s.PutMessage(ctx, Envelope{Source: "test"}, []byte("Subject: lost\r\n\r\nx")); err == nil {
			t.Fatalf("put %d after the spool broke succeeded", i)
		}
	}
	if err := s.SetOutcome(ctx, ids[0], OutcomeIgnore, "", "test"); err != nil {
		t.Fatalf("other writes after the spool broke: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, path)
	checkRaws(t, s, ids, raws)
	more, moreRaws := putN(t, s, 1, 10)
	checkRaws(t, s, append(ids, more...), append(raws, moreRaws...))
}
