package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

var (
	keySpoolID  = []byte("spool.id")  // spoolID
	keySpoolEnd = []byte("spool.end") // u32 segment ‖ u64 offset just past the last indexed frame
)

// recoverBatch bounds the frames indexed per transaction at open.
const recoverBatch = 1000

func encodeSpoolEnd(seg uint32, off int64) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint32(b, seg)
	binary.BigEndian.PutUint64(b[4:], uint64(off))
	return b
}

// openSpool opens the spool of the database, creating it for a database that has none.
// Read-write, it indexes the frames a crash left unindexed and readies the writer.
func openSpool(db *bolt.DB, dbPath string, readOnly bool) (*spool, error) {
	sp := &spool{dir: spoolDir(dbPath)}
	var seg uint32
	var off int64
	found := false
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		id, end := meta.Get(keySpoolID), meta.Get(keySpoolEnd)
		if len(id) != len(sp.id) || len(end) != 12 {
			return nil
		}
		copy(sp.id[:], id)
		seg, off, found = binary.BigEndian.Uint32(end), int64(binary.BigEndian.Uint64(end[4:])), true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	if !found {
		if readOnly {
			return sp, nil
		}
		return sp, sp.start(db)
	}
	if err := sp.checkSegments(); err != nil {
		sp.close()
		return nil, err
	}
	if readOnly {
		return sp, nil
	}
	if err := sp.recover(db, seg, off); err != nil {
		sp.close()
		return nil, err
	}
	return sp, nil
}

// checkSegments verifies that every segment in the folder belongs to this spool, so that
// one copied in from elsewhere is found at open, not when a message in it is read.
func (sp *spool) checkSegments() error {
	names, err := filepath.Glob(filepath.Join(sp.dir, "*.seg"))
	if err != nil {
		return fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	for _, name := range names {
		var n uint32
		if _, err := fmt.Sscanf(filepath.Base(name), "%08d.seg", &n); err != nil || segName(n) != filepath.Base(name) {
			return fmt.Errorf("open spool %s: %s is not a segment name; move it away", sp.dir, name)
		}
		if _, err := sp.segment(n); err != nil {
			return fmt.Errorf("open spool %s: %w", sp.dir, err)
		}
	}
	return nil
}

// start creates the spool of a database that has none (new, or migrated, or restored
// from a backup, whose messages are all inside the file).
func (sp *spool) start(db *bolt.DB) error {
	if _, err := rand.Read(sp.id[:]); err != nil {
		return fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	if err := os.Mkdir(sp.dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("open spool %s: the folder exists but the database has no record of it (left from another database?); move it away", sp.dir)
		}
		return fmt.Errorf("open spool: %w", err)
	}
	if err := syncDir(filepath.Dir(sp.dir)); err != nil {
		return fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	if err := sp.create(1); err != nil {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keySpoolID, sp.id[:]); err != nil {
			return err
		}
		return meta.Put(keySpoolEnd, encodeSpoolEnd(1, segHeaderLen))
	})
}

// recover indexes every intact frame after (seg, off), the end the database records, and
// opens the writer after the last one. A torn frame at the very end (a crash during a
// write, never acknowledged) is cut off; a bad frame before another segment is damage,
// and Open fails rather than guess.
func (sp *spool) recover(db *bolt.DB, seg uint32, off int64) error {
	var pending []*spooled
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := db.Update(func(btx *bolt.Tx) error {
			tx := &Tx{tx: btx}
			for _, p := range pending {
				if tx.bucket(bucketMessages).Get(u64(uint64(p.m.ID))) != nil {
					continue // indexed already
				}
				if err := tx.indexMessage(&p.m, p.loc); err != nil {
					return err
				}
			}
			return nil
		})
		pending = pending[:0]
		if err != nil {
			return fmt.Errorf("open spool %s: index recovered messages: %w", sp.dir, err)
		}
		return nil
	}
	for {
		f, err := sp.segment(seg)
		if err != nil {
			return fmt.Errorf("open spool %s: the database records messages in segment %d: %w", sp.dir, seg, err)
		}
		for {
			p, err := readFrame(f, off)
			if err != nil {
				break
			}
			p.loc.seg = seg
			pending = append(pending, p)
			off = p.loc.end()
			if len(pending) == recoverBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		next := sp.segPath(seg + 1)
		if _, err := os.Stat(next); err != nil {
			break
		}
		if st, err := f.Stat(); err != nil || st.Size() != off {
			return fmt.Errorf("open spool %s: segment %s has damaged bytes at %d, before segment %s; restore the folder from a backup", sp.dir, f.Name(), off, next)
		}
		seg, off = seg+1, segHeaderLen
	}
	if err := flush(); err != nil {
		return err
	}
	return sp.openWriter(seg, off)
}

// readFrame reads and checks the frame at off, returning the message it holds (without
// its bytes) and its place.
func readFrame(f *os.File, off int64) (*spooled, error) {
	hb := make([]byte, frameHeaderLen)
	if _, err := f.ReadAt(hb, off); err != nil {
		return nil, err
	}
	h, err := decodeFrameHeader(hb)
	if err != nil {
		return nil, err
	}
	meta := make([]byte, h.metaLen)
	if _, err := f.ReadAt(meta, off+frameHeaderLen); err != nil {
		return nil, err
	}
	sum := crc32.New(castagnoli)
	sum.Write(meta)
	n, err := io.Copy(sum, io.NewSectionReader(f, off+frameHeaderLen+int64(h.metaLen), int64(h.bodyLen)))
	if err != nil {
		return nil, err
	}
	if n != int64(h.bodyLen) || sum.Sum32() != h.crc {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadFrame)
	}
	p := &spooled{loc: rawLoc{off: off, metaLen: h.metaLen, bodyLen: int64(h.bodyLen)}}
	if err := json.Unmarshal(meta, &p.m); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadFrame, err)
	}
	p.m.ID = h.id
	return p, nil
}
