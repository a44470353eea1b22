package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// The spool holds raw messages: append-only segment files in a folder beside the database
// file (its path plus ".spool"), one frame per message (frame.go). The commit loop appends
// every message of a group and fsyncs the segment once, then acknowledges them and indexes
// them in the database; a crash between the two loses nothing, because Open indexes the
// frames written after the database's record of the spool's end (recover.go). Writing the
// bytes once, sequentially, with one fdatasync per group, is what lets the store beat a
// file-and-fsync per message: bbolt would copy each message into its pages and sync twice.

const (
	segMagic     = "LSSPOOL1"
	segHeaderLen = 32
)

// maxSegment is the size past which the next frame starts a new segment.
var maxSegment int64 = 1 << 30

// spoolID names the spool a database belongs to; every segment header carries it, so a
// spool folder left from another database is refused instead of mixed in.
type spoolID [16]byte

// errSpoolBroken means a write to the spool failed in a way that leaves its state unknown
// (a failed fsync): the store takes no more messages until it is reopened.
var errSpoolBroken = errors.New("store: spool write failed; reopen the store")

// spool is the open segment folder. Reads are safe for concurrent use; appends come only
// from the commit loop.
type spool struct {
	dir string
	id  spoolID

	w    *os.File // segment being appended to; nil when read-only
	wseg uint32
	woff int64

	mu    sync.Mutex
	files map[uint32]*os.File // opened for reading, header checked

	// unindexed is set, read-only, when the spool holds bytes past the end the database
	// records: messages acknowledged just before a crash, indexed at the next read-write
	// open.
	unindexed bool
	// notes say what recovery skipped at open (Store.Recovered).
	notes  []string
	closed bool
}

func spoolDir(dbPath string) string { return dbPath + ".spool" }

func segName(n uint32) string { return fmt.Sprintf("%08d.seg", n) }

func (sp *spool) segPath(n uint32) string { return filepath.Join(sp.dir, segName(n)) }

func segHeader(id spoolID, n uint32) []byte {
	b := make([]byte, segHeaderLen)
	copy(b, segMagic)
	copy(b[8:], id[:])
	binary.BigEndian.PutUint32(b[24:], n)
	binary.BigEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	return b
}

// checkSegHeader verifies that f is segment n of this spool.
func (sp *spool) checkSegHeader(f *os.File, n uint32) error {
	b := make([]byte, segHeaderLen)
	if _, err := f.ReadAt(b, 0); err != nil {
		return fmt.Errorf("spool segment %s: read header: %w", f.Name(), err)
	}
	if !bytes.Equal(b, segHeader(sp.id, n)) {
		return fmt.Errorf("spool segment %s: not segment %d of this database's spool (a folder left from another database?); move it away", f.Name(), n)
	}
	return nil
}

// segment returns segment n opened for reading.
func (sp *spool) segment(n uint32) (*os.File, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.closed {
		return nil, fmt.Errorf("spool %s: %w", sp.dir, ErrClosed)
	}
	if f := sp.files[n]; f != nil {
		return f, nil
	}
	f, err := os.Open(sp.segPath(n))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	if err := sp.checkSegHeader(f, n); err != nil {
		f.Close()
		return nil, err
	}
	if sp.files == nil {
		sp.files = map[uint32]*os.File{}
	}
	sp.files[n] = f
	return f, nil
}

// create makes segment n and appends to it from now on. The segment is written under a
// temporary name and linked into place whole, header synced, so a crash leaves either no
// segment n or a sound empty one; an existing segment n is never replaced.
func (sp *spool) create(n uint32) error {
	final := sp.segPath(n)
	tmp := final + ".new"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("spool: create segment: %w", err)
	}
	if _, err = f.Write(segHeader(sp.id, n)); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Link(tmp, final)
	}
	os.Remove(tmp)
	if err != nil {
		f.Close()
		return fmt.Errorf("spool: create segment %s: %w", final, err)
	}
	if err := syncDir(sp.dir); err != nil {
		// The segment is there but may not stay: a reopen sorts it out.
		f.Close()
		return fmt.Errorf("%w: create segment %s: %v", errSpoolBroken, final, err)
	}
	if sp.w != nil {
		sp.w.Close()
	}
	sp.w, sp.wseg, sp.woff = f, n, segHeaderLen
	return nil
}

// openWriter appends to segment n from off on, cutting off whatever follows off (a frame
// torn by a crash, never acknowledged). A segment shorter than off lost acknowledged
// messages: that is refused.
func (sp *spool) openWriter(n uint32, off int64) error {
	f, err := os.OpenFile(sp.segPath(n), os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := sp.checkSegHeader(f, n); err != nil {
		f.Close()
		return err
	}
	st, err := f.Stat()
	if err == nil && st.Size() < off {
		err = fmt.Errorf("%d bytes where the database records messages up to %d: damaged; restore the spool from a backup", st.Size(), off)
	}
	if err == nil && st.Size() > off {
		if err = f.Truncate(off); err == nil {
			err = f.Sync()
		}
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("spool: segment %s: %w", f.Name(), err)
	}
	sp.w, sp.wseg, sp.woff = f, n, off
	return nil
}

// spooled is one message on its way into the spool.
type spooled struct {
	m    Message
	meta []byte // m as JSON, without its id (the frame header carries it)
	raw  []byte
	crc  uint32
	loc  rawLoc // set by append
}

// append writes the frames of puts (their ids set) into one segment and makes them
// durable with one fsync. On failure none of them may be acknowledged, and none stays in
// the spool: the segment is cut back to where the group began. If that cannot be made
// sure (a failed fsync or cut), the spool is broken (errSpoolBroken).
func (sp *spool) append(puts []*spooled) error {
	var size int64
	for _, p := range puts {
		size += frameHeaderLen + int64(len(p.meta)) + int64(len(p.raw))
	}
	if sp.woff > segHeaderLen && sp.woff+size > maxSegment {
		if err := sp.create(sp.wseg + 1); err != nil {
			return err // nothing written
		}
	}
	start := sp.woff
	for _, p := range puts {
		h := frameHeader{id: p.m.ID, metaLen: uint32(len(p.meta)), bodyLen: uint64(len(p.raw)), crc: p.crc}
		p.loc = rawLoc{seg: sp.wseg, off: sp.woff, metaLen: h.metaLen, bodyLen: int64(len(p.raw))}
		if err := sp.write(h.encode(), p.meta, p.raw); err != nil {
			return sp.undo(start, fmt.Errorf("spool: write %s: %w", sp.w.Name(), err))
		}
	}
	if err := sp.w.Sync(); err != nil {
		// The kernel may have dropped the pages it failed to write: nothing about the
		// file is certain any more.
		return sp.undo(start, fmt.Errorf("%w: fsync %s: %v", errSpoolBroken, sp.w.Name(), err))
	}
	return nil
}

func (sp *spool) write(parts ...[]byte) error {
	for _, b := range parts {
		n, err := sp.w.WriteAt(b, sp.woff)
		sp.woff += int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// undo cuts the segment back to start, durably, after a failed group, so that none of
// its frames can come back at the next open and the next group writes where it began.
func (sp *spool) undo(start int64, cause error) error {
	err := sp.w.Truncate(start)
	if err == nil {
		err = sp.w.Sync()
	}
	if err != nil {
		return fmt.Errorf("%w: %v; cutting %s back: %v", errSpoolBroken, cause, sp.w.Name(), err)
	}
	sp.woff = start
	return cause
}

// copyBody writes the bytes of message id, found at loc, to w and checks them against
// the frame's checksum.
func (sp *spool) copyBody(id MsgID, loc rawLoc, w io.Writer) (int64, error) {
	f, err := sp.segment(loc.seg)
	if err != nil {
		return 0, fmt.Errorf("raw message %d: %w", id, err)
	}
	hb := make([]byte, frameHeaderLen+int(loc.metaLen))
	if _, err := f.ReadAt(hb, loc.off); err != nil {
		return 0, fmt.Errorf("raw message %d: read %s at %d: %w", id, f.Name(), loc.off, err)
	}
	h, err := decodeFrameHeader(hb)
	if err == nil && (h.id != id || h.metaLen != loc.metaLen || int64(h.bodyLen) != loc.bodyLen) {
		err = fmt.Errorf("%w: frame of message %d, %d bytes", errBadFrame, h.id, h.bodyLen)
	}
	if err != nil {
		return 0, fmt.Errorf("raw message %d in %s at %d: %w", id, f.Name(), loc.off, err)
	}
	sum := crc32.New(castagnoli)
	sum.Write(hb[frameHeaderLen:])
	n, err := io.Copy(io.MultiWriter(w, sum), io.NewSectionReader(f, loc.body(), loc.bodyLen))
	if err != nil {
		return n, fmt.Errorf("raw message %d: %w", id, err)
	}
	if n != loc.bodyLen || sum.Sum32() != h.crc {
		return n, fmt.Errorf("raw message %d in %s at %d: %w: checksum mismatch", id, f.Name(), loc.off, errBadFrame)
	}
	return n, nil
}

func (sp *spool) close() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, f := range sp.files {
		f.Close()
	}
	sp.files, sp.closed = nil, true
	if sp.w != nil {
		sp.w.Close()
		sp.w = nil
	}
}

// syncDir makes a folder's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
