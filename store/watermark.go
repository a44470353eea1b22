package store

import (
	"fmt"
	"math"
	"sync"
)

// watermark is the highest message id indexed in the database. PutMessage returns once a
// message's bytes are durable in the spool, a moment before its index commits; readers of
// that message wait here so that a caller always reads its own writes.
type watermark struct {
	mu      sync.Mutex
	n       uint64
	changed chan struct{} // closed and replaced at every rise
}

func newWatermark(n uint64) *watermark { return &watermark{n: n, changed: make(chan struct{})} }

// raise sets the mark to n if that is higher, waking the waiters.
func (w *watermark) raise(n uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n <= w.n {
		return
	}
	w.n = n
	close(w.changed)
	w.changed = make(chan struct{})
}

// release lets every waiter through for good: the store is closing or can index no more.
func (w *watermark) release() { w.raise(math.MaxUint64) }

// wait returns once the mark is at least n.
func (w *watermark) wait(n uint64) {
	for {
		w.mu.Lock()
		ok, ch := w.n >= n, w.changed
		w.mu.Unlock()
		if ok {
			return
		}
		<-ch
	}
}

// waitIndexed waits until message id, if it was acknowledged, is indexed.
func (s *Store) waitIndexed(id MsgID) {
	if s.indexed != nil && uint64(id) <= s.assigned.Load() {
		s.indexed.wait(uint64(id))
	}
}

// waitIndexedAll waits until every message acknowledged so far is indexed.
func (s *Store) waitIndexedAll() {
	if s.indexed != nil {
		s.indexed.wait(s.assigned.Load())
	}
}

// unindexed says why acknowledged messages may be missing from the index: a read-only
// open found frames past the recorded end, or an index commit failed. Either way a
// read-write open indexes them.
func (s *Store) unindexed() error {
	if s.spool.unindexed {
		return ErrUnindexed
	}
	if s.gc != nil {
		if err := s.gc.indexFailed(); err != nil {
			return fmt.Errorf("%w (%v)", ErrUnindexed, err)
		}
	}
	return nil
}
