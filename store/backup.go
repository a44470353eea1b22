package store

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// backupTxBytes bounds the bytes one transaction of the backup copy holds in memory.
const backupTxBytes = 64 << 20

// Backup writes a consistent copy of the whole store to w while it stays in use: one
// database file holding everything, the spooled raw messages copied inside it, which
// opens with Open like the original (and starts a spool of its own). It builds the copy in
// a temporary file beside the database first, so it needs that much free space there.
func (s *Store) Backup(w io.Writer) (int64, error) {
	if err := s.unindexed(); err != nil {
		return 0, fmt.Errorf("back up %s: %w", s.path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".backup-*.db")
	if err != nil {
		return 0, fmt.Errorf("back up %s: %w", s.path, err)
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)
	if err := s.backupTo(name); err != nil {
		return 0, fmt.Errorf("back up %s: %w", s.path, err)
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("back up %s: %w", s.path, err)
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", s.path, err)
	}
	return n, nil
}

// backupTo copies one consistent state of the database to the file at name, then copies
// the spooled bytes of the messages that state knows into it. The spool is append-only, so
// reading it after the snapshot reads exactly what the snapshot points at.
func (s *Store) backupTo(name string) error {
	s.waitIndexedAll()
	dst, err := bolt.Open(name, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := bolt.Compact(dst, s.db, backupTxBytes); err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	var locs [][]byte
	if err := dst.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRawLoc).ForEach(func(k, _ []byte) error {
			locs = append(locs, k)
			return nil
		})
	}); err != nil {
		return err
	}
	for len(locs) > 0 {
		n := 0
		err := dst.Update(func(tx *bolt.Tx) error {
			var size int64
			for n < len(locs) && size < backupTxBytes {
				copied, err := s.inlineRaw(tx, locs[n])
				if err != nil {
					return err
				}
				size += copied
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		locs = locs[n:]
	}
	if err := dst.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keySpoolID); err != nil {
			return err
		}
		return meta.Delete(keySpoolEnd)
	}); err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return err
	}
	return dst.Close()
}

// inlineRaw moves message key's bytes from the spool into the copy's raw bucket, checked
// against their checksum on the way.
func (s *Store) inlineRaw(tx *bolt.Tx, key []byte) (int64, error) {
	locs := tx.Bucket(bucketRawLoc)
	loc, ok := decodeRawLoc(locs.Get(key))
	if !ok {
		return 0, fmt.Errorf("message %x: bad spool location", key)
	}
	id := MsgID(bytesU64(key))
	var buf bytes.Buffer
	buf.Grow(int(loc.bodyLen))
	if _, err := s.spool.copyBody(id, loc, &buf); err != nil {
		return 0, err
	}
	if err := putBlob(tx.Bucket(bucketRaw), key, buf.Bytes()); err != nil {
		return 0, fmt.Errorf("message %d: %w", id, err)
	}
	return loc.bodyLen, locs.Delete(key)
}
