package store

import (
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestMigrateBlobs opens a schema-1 file, whose raw messages and attachments are plain
// values, and finds them moved into buckets of their own, intact.
func TestMigrateBlobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("Message-ID: <a@b>\r\n\r\nhello")
	m := Message{ID: 1, MessageID: "a@b", Size: int64(len(raw)), Outcome: OutcomeIgnore, Reason: "test"}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := createBucketsV1(tx); err != nil {
			return err
		}
		meta, _ := tx.CreateBucketIfNotExists(bucketMeta)
		if err := meta.Put(keySchema, u64(1)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRaw).Put(u64(1), raw); err != nil {
			return err
		}
		if err := tx.Bucket(bucketAttachments).Put([]byte(strings.Repeat("ab", 32)), []byte("pdf")); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketMessages), u64(1), &m); err != nil {
			return err
		}
		_, err := tx.Bucket(bucketMessages).NextSequence()
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Raw(1)
	if err != nil || string(got) != string(raw) {
		t.Fatalf("raw after migration: %q, %v", got, err)
	}
	if a, err := s.Attachment(strings.Repeat("ab", 32)); err != nil || string(a) != "pdf" {
		t.Fatalf("attachment after migration: %q, %v", a, err)
	}
	if errs := s.Check(); len(errs) != 0 {
		t.Fatalf("Check after migration: %v", errs)
	}
}
