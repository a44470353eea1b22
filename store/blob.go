package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Large values (raw messages, attachment bytes) each live in a bucket of their own under
// their key, holding one value under blobKey. bbolt keeps at least two keys in a leaf page,
// so two large values side by side in one bucket are both rewritten when either leaf
// changes: every commit would write the previous message again. A bucket of its own gives
// each value its own pages, written once.

var blobKey = []byte("b")

// putBlob stores data under key in b, as a bucket of its own.
func putBlob(b *bolt.Bucket, key, data []byte) error {
	nb, err := b.CreateBucket(key)
	if err != nil {
		return fmt.Errorf("blob %x: %w", key, err)
	}
	return nb.Put(blobKey, data)
}

// getBlob returns the value stored under key in b, or nil. It points into the memory map:
// valid only during the transaction.
func getBlob(b *bolt.Bucket, key []byte) []byte {
	nb := b.Bucket(key)
	if nb == nil {
		return nil
	}
	v := nb.Get(blobKey)
	if v == nil {
		return []byte{} // an empty value is stored as an empty bucket
	}
	return v
}

// hasBlob reports whether key holds a value in b.
func hasBlob(b *bolt.Bucket, key []byte) bool { return b.Bucket(key) != nil }

// blobsInBuckets is the migration from schema 1 to 2: raw messages and attachment bytes
// move from plain values into buckets of their own.
func blobsInBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketRaw, bucketAttachments} {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		type kv struct{ k, v []byte }
		var plain []kv
		if err := b.ForEach(func(k, v []byte) error {
			if v != nil { // nil values are buckets already
				plain = append(plain, kv{append([]byte(nil), k...), append([]byte(nil), v...)})
			}
			return nil
		}); err != nil {
			return err
		}
		for _, p := range plain {
			if err := b.Delete(p.k); err != nil {
				return fmt.Errorf("%s %x: %w", name, p.k, err)
			}
			if err := putBlob(b, p.k, p.v); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return nil
}
