package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxBatch bounds how many writes share one commit.
const maxBatch = 256

// request is one write waiting for the commit loop.
type request struct {
	fn   func(*Tx) error
	size int
	done chan error
}

// committer is the group-commit loop: it takes every write queued when it is free, runs
// them in one transaction and answers them all after the one fsync. It never waits for
// more writes to arrive.
type committer struct {
	s      *Store
	mu     sync.RWMutex // guards closed against submit racing stop
	closed bool
	reqs   chan *request
	exited chan struct{}
}

func startCommitter(s *Store) *committer {
	c := &committer{s: s, reqs: make(chan *request, maxBatch), exited: make(chan struct{})}
	go c.loop()
	return c
}

// submit queues fn and waits for the commit that includes it.
func (c *committer) submit(ctx context.Context, fn func(*Tx) error, size int) error {
	r := &request{fn: fn, size: size, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return fmt.Errorf("write to %s: %w", c.s.path, ErrClosed)
	}
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		c.mu.RUnlock()
		return fmt.Errorf("write to %s: not queued: %w", c.s.path, ctx.Err())
	}
	c.mu.RUnlock()
	return <-r.done
}

// stop lets the queued writes finish and ends the loop.
func (c *committer) stop() {
	c.mu.Lock()
	c.closed = true
	close(c.reqs)
	c.mu.Unlock()
	<-c.exited
}

func (c *committer) loop() {
	defer close(c.exited)
	for r := range c.reqs {
		batch := []*request{r}
		bytes := r.size
	drain:
		for len(batch) < maxBatch && bytes < c.s.opts.MaxBatchBytes {
			select {
			case next, ok := <-c.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, next)
				bytes += next.size
			default:
				break drain
			}
		}
		c.commit(batch)
	}
}

// errAbort rolls back a group whose member failed.
var errAbort = errors.New("store: abort group")

// commit runs the batch in one transaction. A member that fails gets its error and the
// rest run again without it: the failure saw exactly the writes committed before it.
func (c *committer) commit(batch []*request) {
	for len(batch) > 0 {
		failed := -1
		var ferr error
		err := c.s.db.Update(func(btx *bolt.Tx) error {
			tx := &Tx{tx: btx, s: c.s, now: c.s.opts.Now()}
			for i, r := range batch {
				if err := tx.run(r.fn); err != nil {
					failed, ferr = i, err
					return errAbort
				}
			}
			return nil
		})
		if failed >= 0 {
			batch[failed].done <- ferr
			batch = slices.Delete(batch, failed, failed+1)
			continue
		}
		if err != nil {
			err = fmt.Errorf("commit to %s: %w", c.s.path, err)
		}
		for _, r := range batch {
			r.done <- err
		}
		return
	}
}
