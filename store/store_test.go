package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var testNow = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// openTest opens a fresh store in a temporary folder and closes it when the test ends.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "liaisond.db")
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestReopenKeepsEverything(t *testing.T) {
	s, path := openTest(t, Options{})
	ctx := context.Background()
	raw := []byte("Message-ID: <a@x>\r\n\r\nbody\r\n")
	id, err := s.PutMessage(ctx, Envelope{Source: "smtp:127.0.0.1:2525", MessageID: "<a@X>"}, raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: statement("Title", "a@sdo.org")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCheckpoint(ctx, Checkpoint{Account: "acct", Mailbox: "INBOX", UIDValidity: 7, LastUID: 42}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Raw(id)
	if err != nil || string(got) != string(raw) {
		t.Fatalf("Raw after reopen = %q, %v", got, err)
	}
	rec, err := s2.Get(m.Record)
	if err != nil || rec.Title != "Title" {
		t.Fatalf("Get after reopen = %+v, %v", rec, err)
	}
	cp, ok, err := s2.Checkpoint("acct", "INBOX")
	if err != nil || !ok || cp.LastUID != 42 || cp.UIDValidity != 7 {
		t.Fatalf("Checkpoint after reopen = %+v %v %v", cp, ok, err)
	}
	if errs := s2.Check(); len(errs) != 0 {
		t.Fatalf("Check: %v", errs)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	_, path := openTest(t, Options{})
	for _, readOnly := range []bool{false, true} {
		start := time.Now()
		_, err := Open(path, Options{LockTimeout: 50 * time.Millisecond, ReadOnly: readOnly})
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("readOnly=%v: second Open: %v, want ErrLocked", readOnly, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("second Open took %s", d)
		}
		t.Logf("readOnly=%v: %v", readOnly, err)
	}
}

func TestSchemaVersion(t *testing.T) {
	tests := []struct {
		name     string
		version  uint64
		readOnly bool
		want     error
	}{
		{"current", SchemaVersion, false, nil},
		{"current read-only", SchemaVersion, true, nil},
		{"newer", SchemaVersion + 1, false, ErrNewerSchema},
		{"newer read-only", SchemaVersion + 1, true, ErrNewerSchema},
		{"older read-only", 0, true, ErrReadOnly},
		{"older migrates", 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "db")
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				if tt.version == 0 {
					return nil
				}
				b, err := tx.CreateBucket(bucketMeta)
				if err != nil {
					return err
				}
				for v := range min(tt.version, SchemaVersion) {
					if err := migrations[v](tx); err != nil {
						return err
					}
				}
				return b.Put(keySchema, u64(tt.version))
			})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			s, err := Open(path, Options{ReadOnly: tt.readOnly})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Open = %v, want %v", err, tt.want)
			}
			if err != nil {
				t.Log(err)
				return
			}
			defer s.Close()
			if tt.readOnly {
				if _, err := s.PutMessage(context.Background(), Envelope{}, []byte("x")); !errors.Is(err, ErrReadOnly) {
					t.Fatalf("write on read-only store: %v", err)
				}
			}
			if errs := s.Check(); len(errs) != 0 {
				t.Fatalf("Check: %v", errs)
			}
		})
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s, _ := openTest(t, Options{})
	s.Close()
	if _, err := s.PutMessage(context.Background(), Envelope{}, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("PutMessage after Close: %v", err)
	}
}
