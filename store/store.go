package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options tune Open. The zero value gives the defaults a careful operator would pick.
type Options struct {
	// LockTimeout is how long Open waits for the file lock another process holds
	// (default 2s). A second liaisond on the same file fails after it with ErrLocked.
	LockTimeout time.Duration
	// ReadOnly opens the file with a shared lock for the CLI; writes fail with ErrReadOnly.
	ReadOnly bool
	// MaxAttempts is how many processing failures a message may have before it is
	// quarantined (default 3).
	MaxAttempts int
	// OutboxMaxAttempts is how many delivery attempts an outbox entry gets before it
	// fails for good (default 10).
	OutboxMaxAttempts int
	// Backoff gives the delay after delivery attempt n (1-based) before the next one
	// (default DefaultBackoff).
	Backoff func(attempt int) time.Duration
	// Now returns the current time (default time.Now); tests fix it.
	Now func() time.Time
	// MaxBatchBytes bounds the raw bytes one group commit takes (default 64 MiB); a single
	// larger write still goes through, alone.
	MaxBatchBytes int
}

func (o Options) withDefaults() Options {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 2 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.OutboxMaxAttempts <= 0 {
		o.OutboxMaxAttempts = 10
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = 64 << 20
	}
	return o
}

// DefaultBackoff waits 5 minutes after the first delivery attempt and doubles after each
// further one, up to 8 hours.
func DefaultBackoff(attempt int) time.Duration {
	d := 5 * time.Minute
	for i := 1; i < attempt && d < 8*time.Hour; i++ {
		d *= 2
	}
	return min(d, 8*time.Hour)
}

// Store is an open liaisond database. Its methods are safe for concurrent use.
type Store struct {
	db    *bolt.DB
	path  string
	opts  Options
	spool *spool
	gc    *committer
	once  sync.Once
	cerr  error
	// assigned is the last message id acknowledged; indexed, the last one in the
	// database (see watermark.go). Both stay zero/nil read-only.
	assigned atomic.Uint64
	indexed  *watermark
}

// initialMmapSize is mapped up front so that growing the file rarely has to wait for long
// read transactions (a backup) to end.
const initialMmapSize = 1 << 30

// allocSize is how much the file grows at a time: each growth costs an fsync of its own,
// so with 200 KB messages bbolt's 16 MiB default would add one every 80 messages.
const allocSize = 128 << 20

// Open opens or creates the database at path, takes its lock (failing with ErrLocked
// after opts.LockTimeout) and runs any schema migrations.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	bo := &bolt.Options{
		Timeout:      opts.LockTimeout,
		ReadOnly:     opts.ReadOnly,
		FreelistType: bolt.FreelistMapType,
		// The free list is rebuilt from the pages at open instead of written at every
		// commit: less written per message; a crash loses nothing (bbolt rescans).
		NoFreelistSync: true,
	}
	if strconv.IntSize == 64 {
		bo.InitialMmapSize = initialMmapSize
	}
	db, err := bolt.Open(path, 0o600, bo)
	if err == nil {
		db.AllocSize = allocSize
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: no lock after %s: another liaisond holds the file; stop it or use its admin socket: %w",
			path, opts.LockTimeout, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(db, path, opts.ReadOnly); err != nil {
		_ = db.Close()
		return nil, err
	}
	sp, err := openSpool(db, path, opts.ReadOnly)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{db: db, path: path, opts: opts, spool: sp}
	if !opts.ReadOnly {
		var last uint64
		_ = db.View(func(tx *bolt.Tx) error { last = tx.Bucket(bucketMessages).Sequence(); return nil })
		s.assigned.Store(last)
		s.indexed = newWatermark(last)
		s.gc = startCommitter(s, last)
	}
	return s, nil
}

// Recovered says what Open skipped in the spool while indexing the messages of a crash:
// damaged bytes with intact messages after them. Empty after a clean start.
func (s *Store) Recovered() []string { return s.spool.notes }

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close finishes the writes already queued, then releases the file. It is safe to call
// more than once.
func (s *Store) Close() error {
	s.once.Do(func() {
		if s.gc != nil {
			s.gc.stop()
			s.indexed.release()
		}
		s.spool.close()
		if err := s.db.Close(); err != nil {
			s.cerr = fmt.Errorf("close store %s: %w", s.path, err)
		}
	})
	return s.cerr
}

// Tx is one transaction of the store. A Tx passed to an Update function is writable and
// shared with other writers of the same group commit; it must not be kept after the
// function returns.
type Tx struct {
	tx  *bolt.Tx
	s   *Store
	now time.Time
}

// Now returns the time the transaction uses for events and timestamps.
func (tx *Tx) Now() time.Time { return tx.now }

// Update runs fn in a write transaction committed (fsynced) together with whatever other
// writes are queued at that moment. If fn fails, none of its writes are kept and the other
// writers are unaffected. fn may run more than once (when another writer in its group
// fails), so it must only set its results, never accumulate them. ctx bounds the wait for
// a place in the queue; once queued, Update waits for the commit.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	return s.update(ctx, fn, 0)
}

func (s *Store) update(ctx context.Context, fn func(*Tx) error, size int) error {
	if s.gc == nil {
		return fmt.Errorf("write to %s: %w", s.path, ErrReadOnly)
	}
	return s.gc.submit(ctx, &request{fn: fn, size: size})
}

// put appends p to the spool through the commit loop, setting its id.
func (s *Store) put(ctx context.Context, p *spooled) error {
	if s.gc == nil {
		return fmt.Errorf("write to %s: %w", s.path, ErrReadOnly)
	}
	return s.gc.submit(ctx, &request{put: p, size: len(p.raw)})
}

// View runs fn in a read-only transaction that sees one consistent state of the file.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(btx *bolt.Tx) error {
		return fn(&Tx{tx: btx, s: s, now: s.opts.Now()})
	})
}

// run calls fn, turning a panic into an error so that one bad writer cannot take the
// commit loop down.
func (tx *Tx) run(fn func(*Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic in write transaction: %v", p)
		}
	}()
	return fn(tx)
}

// bucket returns a bucket created by the migrations.
func (tx *Tx) bucket(name []byte) *bolt.Bucket {
	return tx.tx.Bucket(name)
}

// nextSeq returns the next number of a bucket's sequence, failing rather than wrapping.
func nextSeq(b *bolt.Bucket) (uint64, error) {
	n, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	if n == math.MaxUint64 {
		return 0, errors.New("sequence exhausted")
	}
	return n, nil
}
