package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

func TestCheckpoints(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	tests := []struct {
		account, mailbox string
		validity, last   uint32
	}{
		{"ccamp-chairs", "INBOX", 1, 10},
		{"ccamp-chairs", "Archive/Liaisons", 1, 3},
		{"ccamp-chairs", "INBOX", 2, 1}, // UIDVALIDITY changed: overwritten
		{"other", "INBOX", 9, 99},
	}
	for _, tt := range tests {
		if err := s.SetCheckpoint(ctx, Checkpoint{Account: tt.account, Mailbox: tt.mailbox, UIDValidity: tt.validity, LastUID: tt.last}); err != nil {
			t.Fatal(err)
		}
		c, ok, err := s.Checkpoint(tt.account, tt.mailbox)
		if err != nil || !ok || c.UIDValidity != tt.validity || c.LastUID != tt.last || !c.Updated.Equal(testNow) {
			t.Fatalf("Checkpoint(%s, %s) = %+v %v %v", tt.account, tt.mailbox, c, ok, err)
		}
	}
	if _, ok, _ := s.Checkpoint("none", "INBOX"); ok {
		t.Fatal("checkpoint of an unknown mailbox")
	}
	if c, _, _ := s.Checkpoint("ccamp-chairs", "Archive/Liaisons"); c.LastUID != 3 {
		t.Fatalf("mailboxes mixed up: %+v", c)
	}
	if err := s.SetCheckpoint(ctx, Checkpoint{Account: "a\x00b", Mailbox: "INBOX"}); err == nil {
		t.Fatal("NUL in account accepted")
	}
}

func TestBackup(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	rec := newRecord(t, s, "<a@x>", statement("T", "a@x"))
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup = %d, %v", n, err)
	}
	// Writes after the backup are not in it.
	newRecord(t, s, "<b@x>", statement("U", "a@x"))
	if _, err := s.SetState(ctx, rec, "posted", "c", ""); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := writeFile(path, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	recs, _ := cp.Records("")
	if len(recs) != 1 || recs[0].ID != rec || recs[0].State != "pending" {
		t.Fatalf("backup holds %+v", recs)
	}
	if errs := cp.Check(); len(errs) != 0 {
		t.Fatalf("Check of backup: %v", errs)
	}
}
