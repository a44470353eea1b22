package store

import (
	"bytes"
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
// Read-write, it indexes the frames a crash left unindexed and readies the writer;
// read-only, it notes whether there are any (see Store.Backup).
func openSpool(db *bolt.DB, dbPath string, readOnly bool) (*spool, error) {
	sp := &spool{dir: spoolDir(dbPath)}
	var seg uint32
	var off int64
	var last uint64 // the highest message id indexed
	found := false
	err := db.View(func(tx *bolt.Tx) error {
		last = tx.Bucket(bucketMessages).Sequence()
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
		if err := sp.record(db); err != nil {
			return nil, err
		}
		seg, off = 1, segHeaderLen
	}
	if err := sp.checkSegments(seg, readOnly); err != nil {
		sp.close()
		return nil, err
	}
	if readOnly {
		sp.unindexed = sp.pastEnd(seg, off)
		return sp, nil
	}
	if seg == 1 && off == segHeaderLen {
		if err := sp.ensureFirst(); err != nil {
			return nil, err
		}
	}
	if err := sp.recover(db, seg, off, last); err != nil {
		sp.close()
		return nil, err
	}
	return sp, nil
}

// record gives a database without a spool (new, migrated, or restored from a backup, whose
// messages are all inside the file) a spool of its own, recorded before anything is made
// on disk, so that a crash in between leaves a spool Open can finish making.
func (sp *spool) record(db *bolt.DB) error {
	if names, _ := filepath.Glob(filepath.Join(sp.dir, "*.seg")); len(names) > 0 {
		return fmt.Errorf("open spool %s: the folder holds segments but the database has no record of them (left from another database?); move it away", sp.dir)
	}
	if _, err := rand.Read(sp.id[:]); err != nil {
		return fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	return db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keySpoolID, sp.id[:]); err != nil {
			return err
		}
		return meta.Put(keySpoolEnd, encodeSpoolEnd(1, segHeaderLen))
	})
}

// ensureFirst makes the folder and its first segment, when no message was ever spooled.
func (sp *spool) ensureFirst() error {
	if err := os.Mkdir(sp.dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("open spool: %w", err)
	}
	if err := syncDir(filepath.Dir(sp.dir)); err != nil {
		return fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	if _, err := os.Stat(sp.segPath(1)); err == nil {
		return nil
	}
	if err := sp.create(1); err != nil {
		return err
	}
	sp.w.Close()
	sp.w = nil
	return nil
}

// checkSegments verifies that every segment in the folder belongs to this spool, so that
// one copied in from elsewhere is found at open, not when a message in it is read. A last
// segment after end that is too short to hold its header was torn while being made (by an
// older liaisond): read-write, it is removed. Read-write, leftovers of segment creation go.
func (sp *spool) checkSegments(end uint32, readOnly bool) error {
	if !readOnly {
		tmps, _ := filepath.Glob(filepath.Join(sp.dir, "*.seg.new"))
		for _, t := range tmps {
			if err := os.Remove(t); err != nil {
				return fmt.Errorf("open spool %s: %w", sp.dir, err)
			}
		}
	}
	names, err := filepath.Glob(filepath.Join(sp.dir, "*.seg"))
	if err != nil {
		return fmt.Errorf("open spool %s: %w", sp.dir, err)
	}
	for i, name := range names { // sorted: the names are fixed-width numbers
		var n uint32
		if _, err := fmt.Sscanf(filepath.Base(name), "%08d.seg", &n); err != nil || segName(n) != filepath.Base(name) {
			return fmt.Errorf("open spool %s: %s is not a segment name; move it away", sp.dir, name)
		}
		if st, err := os.Stat(name); err == nil && st.Size() < segHeaderLen && n > end && i == len(names)-1 {
			if readOnly {
				continue
			}
			if err := os.Remove(name); err != nil {
				return fmt.Errorf("open spool %s: remove torn segment: %w", sp.dir, err)
			}
			continue
		}
		if _, err := sp.segment(n); err != nil {
			return fmt.Errorf("open spool %s: %w", sp.dir, err)
		}
	}
	return nil
}

// pastEnd reports whether the spool holds bytes after the end the database records: the
// frames of messages acknowledged just before a crash, or a torn one.
func (sp *spool) pastEnd(seg uint32, off int64) bool {
	if st, err := os.Stat(sp.segPath(seg)); err == nil && st.Size() > off {
		return true
	}
	st, err := os.Stat(sp.segPath(seg + 1))
	return err == nil && st.Size() > segHeaderLen
}

// recover indexes every intact frame after (seg, off), the end the database records, and
// opens the writer after the last one. Frame ids must rise above last, the highest id
// indexed. Bad bytes with an intact frame after them (a damaged message, or a group cut
// short by a power loss, whose pages reached the disk out of order) are skipped and noted
// (Store.Recovered); bad bytes at the very end (a write torn by a crash, never
// acknowledged) are cut off. Each segment frames are taken from is fsynced before their
// index commits: they may still be only in the page cache of a process that was killed.
func (sp *spool) recover(db *bolt.DB, seg uint32, off int64, last uint64) error {
	var pending []*spooled
	dirSynced := false
	flush := func(f *os.File) error {
		if len(pending) == 0 {
			return nil
		}
		if !dirSynced { // a segment linked in just before a kill
			if err := syncDir(sp.dir); err != nil {
				return fmt.Errorf("open spool %s: %w", sp.dir, err)
			}
			dirSynced = true
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("open spool %s: %w", sp.dir, err)
		}
		err := db.Update(func(btx *bolt.Tx) error {
			tx := &Tx{tx: btx}
			for _, p := range pending {
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
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("open spool %s: %w", sp.dir, err)
		}
		size := st.Size()
		for off < size {
			p, err := readFrame(f, off, size, last)
			if err != nil && !errors.Is(err, errBadFrame) {
				return fmt.Errorf("open spool %s: read %s at %d: %w", sp.dir, f.Name(), off, err)
			}
			if err != nil {
				next, ok := nextIntact(f, off, size, last)
				if !ok {
					break
				}
				sp.notes = append(sp.notes, fmt.Sprintf("segment %s: %d bad bytes at %d skipped (%v); the intact messages after them are kept", f.Name(), next-off, off, err))
				off = next
				continue
			}
			p.loc.seg = seg
			pending = append(pending, p)
			off, last = p.loc.end(), uint64(p.m.ID)
			if len(pending) == recoverBatch {
				if err := flush(f); err != nil {
					return err
				}
			}
		}
		if err := flush(f); err != nil {
			return err
		}
		if _, err := os.Stat(sp.segPath(seg + 1)); err != nil {
			break
		}
		if off < size {
			sp.notes = append(sp.notes, fmt.Sprintf("segment %s: %d bad bytes at its end kept, not read", f.Name(), size-off))
		}
		seg, off = seg+1, segHeaderLen
	}
	return sp.openWriter(seg, off)
}

// nextIntact finds where the next intact frame of a later message starts after the bad
// bytes at off, if any does. If the frame at off has a sound header, only its body is bad
// (torn, or damaged) and nothing inside it is looked at: a message may carry anything,
// frames too.
func nextIntact(f *os.File, off, size int64, last uint64) (int64, bool) {
	from := off + 1
	hb := make([]byte, frameHeaderLen)
	if _, err := f.ReadAt(hb, off); err == nil {
		if h, err := decodeFrameHeader(hb); err == nil {
			from = off + h.size()
		}
	}
	if from >= size {
		return 0, false
	}
	r := io.NewSectionReader(f, from, size-from)
	buf := make([]byte, 64<<10)
	base := from
	for {
		n, err := io.ReadFull(r, buf)
		chunk := buf[:n]
		for i := 0; ; {
			j := bytes.Index(chunk[i:], []byte(frameMagic))
			if j < 0 {
				break
			}
			at := base + int64(i+j)
			if _, err := readFrame(f, at, size, last); err == nil {
				return at, true
			}
			i += j + 1
		}
		if err != nil || n < len(frameMagic) {
			return 0, false
		}
		// Keep the last bytes: the magic may span two chunks.
		keep := len(frameMagic) - 1
		base += int64(n - keep)
		if _, err := r.Seek(int64(-keep), io.SeekCurrent); err != nil {
			return 0, false
		}
	}
}

// readFrame reads and checks the frame at off in a segment of size bytes: a sound header,
// a message id after last, the whole frame inside the segment, the checksum. It returns
// the message it holds (without its bytes) and its place.
func readFrame(f *os.File, off, size int64, last uint64) (*spooled, error) {
	hb := make([]byte, frameHeaderLen)
	if _, err := f.ReadAt(hb, off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: cut short", errBadFrame)
		}
		return nil, err
	}
	h, err := decodeFrameHeader(hb)
	if err != nil {
		return nil, err
	}
	if uint64(h.id) <= last {
		return nil, fmt.Errorf("%w: message id %d, not after %d", errBadFrame, h.id, last)
	}
	if off+h.size() > size {
		return nil, fmt.Errorf("%w: cut short", errBadFrame)
	}
	meta := make([]byte, h.metaLen)
	if _, err := f.ReadAt(meta, off+frameHeaderLen); err != nil {
		return nil, err
	}
	sum := crc32.New(castagnoli)
	sum.Write(meta)
	if _, err := io.Copy(sum, io.NewSectionReader(f, off+frameHeaderLen+int64(h.metaLen), int64(h.bodyLen))); err != nil {
		return nil, err
	}
	if sum.Sum32() != h.crc {
		return nil, fmt.Errorf("%w: checksum mismatch", errBadFrame)
	}
	p := &spooled{loc: rawLoc{off: off, metaLen: h.metaLen, bodyLen: int64(h.bodyLen)}}
	if err := json.Unmarshal(meta, &p.m); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadFrame, err)
	}
	p.m.ID = h.id
	return p, nil
}
