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

// request is one write waiting for the commit loop: a transaction function, or a message
// for the spool (put), whose index the loop then writes in the same group's transaction.
type request struct {
	fn   func(*Tx) error
	put  *spooled
	size int
	done chan error // nil once answered
}

// committer is the group-commit pipeline, two loops that never wait for more writes to
// arrive. The spool loop takes every message queued when it is free, appends them all to
// the spool with one fsync and acknowledges them; it hands their index to the commit loop,
// which takes every request queued when it is free (those indexes and Update functions, in
// the order they came) and runs them in one transaction. The next group's spool write
// overlaps the previous group's commit. A message's index is queued before the message is
// acknowledged, so whatever its writer does next comes after it.
type committer struct {
	s               *Store
	mu              sync.RWMutex // guards closed against submit racing stop
	closed          bool
	puts            chan *request // to the spool loop
	reqs            chan *request // to the commit loop
	spooled, exited chan struct{}
	lastID          uint64 // the last message id handed out; only the spool loop touches it

	bmu      sync.Mutex
	broken   error // the spool or an index failed: no more messages are taken
	indexErr error // an index failed: no later index may commit (see commit)
}

func startCommitter(s *Store, lastID uint64) *committer {
	c := &committer{
		s: s, lastID: lastID,
		puts: make(chan *request, maxBatch), reqs: make(chan *request, maxBatch),
		spooled: make(chan struct{}), exited: make(chan struct{}),
	}
	go c.spoolLoop()
	go c.loop()
	return c
}

// submit queues r and waits for the commit that includes it.
func (c *committer) submit(ctx context.Context, r *request) error {
	r.done = make(chan error, 1)
	q := c.reqs
	if r.put != nil {
		q = c.puts
	}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return fmt.Errorf("write to %s: %w", c.s.path, ErrClosed)
	}
	select {
	case q <- r:
	case <-ctx.Done():
		c.mu.RUnlock()
		return fmt.Errorf("write to %s: not queued: %w", c.s.path, ctx.Err())
	}
	c.mu.RUnlock()
	return <-r.done
}

// stop lets the queued writes finish and ends both loops.
func (c *committer) stop() {
	c.mu.Lock()
	c.closed = true
	close(c.puts)
	c.mu.Unlock()
	<-c.spooled
	close(c.reqs)
	<-c.exited
}

// fail breaks the store for taking messages: the spool or the index is in a state only a
// reopen sorts out. index says an index commit failed.
func (c *committer) fail(err error, index bool) {
	c.bmu.Lock()
	defer c.bmu.Unlock()
	if c.broken == nil {
		c.broken = err
	}
	if index && c.indexErr == nil {
		c.indexErr = err
	}
}

// failed returns why the store takes no more messages, if it does not.
func (c *committer) failed() error {
	c.bmu.Lock()
	defer c.bmu.Unlock()
	return c.broken
}

// indexFailed returns why indexes no longer commit, if they do not.
func (c *committer) indexFailed() error {
	c.bmu.Lock()
	defer c.bmu.Unlock()
	return c.indexErr
}

// gather returns r and whatever else is queued on q at once, within the batch limits.
func (c *committer) gather(r *request, q chan *request) []*request {
	batch := []*request{r}
	bytes := r.size
	for len(batch) < maxBatch && bytes < c.s.opts.MaxBatchBytes {
		select {
		case next, ok := <-q:
			if !ok {
				return batch
			}
			batch = append(batch, next)
			bytes += next.size
		default:
			return batch
		}
	}
	return batch
}

func (c *committer) spoolLoop() {
	defer close(c.spooled)
	for r := range c.puts {
		c.spool(c.gather(r, c.puts))
	}
}

func (c *committer) loop() {
	defer close(c.exited)
	for r := range c.reqs {
		c.commit(c.gather(r, c.reqs))
	}
}

// errAbort rolls back a group whose member failed.
var errAbort = errors.New("store: abort group")

// commit writes the batch's messages to the spool and acknowledges them, then runs their
// index and the batch's transaction functions in one transaction. A function that fails
// gets its error and the rest run again without it: the failure saw exactly the writes
// committed before it.
func (c *committer) commit(batch []*request) {
	if c.indexFailed() != nil {
		// An index failed: its messages are in the spool past the recorded end, where
		// Open finds them. Indexing later ones would move that end past them.
		batch = slices.DeleteFunc(batch, func(r *request) bool { return r.done == nil })
	}
	var indexed uint64
	for _, r := range batch {
		if r.put != nil {
			indexed = uint64(r.put.m.ID)
		}
	}
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
		if failed >= 0 && batch[failed].done != nil {
			batch[failed].done <- ferr
			batch = slices.Delete(batch, failed, failed+1)
			continue
		}
		if failed >= 0 {
			err = ferr
		}
		if err != nil && indexed > 0 {
			// The messages are acknowledged and durable in the spool; Open indexes them.
			c.fail(fmt.Errorf("%w: index of spooled messages: %v", errSpoolBroken, err), true)
			c.s.indexed.release()
		}
		if err != nil {
			err = fmt.Errorf("commit to %s: %w", c.s.path, err)
		}
		for _, r := range batch {
			if r.done != nil {
				r.done <- err
			}
		}
		if err == nil && indexed > 0 {
			c.s.indexed.raise(indexed)
		}
		return
	}
}

// spool appends the batch of messages to the spool with one fsync, queues their index for
// the commit loop and acknowledges them: from here on they are safe. If the spool write
// fails, they get the error.
func (c *committer) spool(batch []*request) {
	err := c.failed()
	if err == nil {
		for _, r := range batch {
			c.lastID++
			r.put.m.ID = MsgID(c.lastID)
		}
		puts := make([]*spooled, len(batch))
		for i, r := range batch {
			puts[i] = r.put
		}
		if err = c.s.spool.append(puts); err != nil {
			c.lastID -= uint64(len(batch))
			if errors.Is(err, errSpoolBroken) {
				c.fail(err, false)
			}
		}
	}
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("write to %s: %w", c.s.path, err)
		}
		return
	}
	c.s.assigned.Store(c.lastID)
	for _, r := range batch {
		p := r.put
		c.reqs <- &request{put: p, fn: func(tx *Tx) error { return tx.indexMessage(&p.m, p.loc) }}
		r.done <- nil
	}
}
