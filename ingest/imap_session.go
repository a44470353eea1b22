package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

const (
	// imapChunkMax and imapChunkBytes bound one UID FETCH of message bodies. Chunks stream
	// back to back; a mailbox's checkpoint moves at the end of each chunk.
	imapChunkMax   = 256
	imapChunkBytes = 32 << 20
	// imapBackfillSuffix names a second checkpoint entry of a mailbox that keeps where its
	// backfill ends (UIDNEXT-1 on first contact): messages up to there are history,
	// recorded without sending mail. Mailbox names cannot hold '\r' (config rejects it).
	imapBackfillSuffix = "\rbackfill"
	// imapInflightSuffix names a third entry: the highest UID whose body was ever asked for,
	// written before each fetch. Messages above the checkpoint up to there may have been
	// committed without the checkpoint moving (a crash, a dropped connection); they are
	// looked up by Message-ID before they are taken in again, and only they, so that the
	// same statement reaching several mailboxes is still recorded as each arrival.
	imapInflightSuffix = "\rinflight"
)

// imapItem is what the poller knows of a message before fetching its body.
type imapItem struct {
	uid  imap.UID
	size int64
	date time.Time
	mid  string // Message-ID, raw header value
}

// imapSession is one connection's view of its mailbox.
type imapSession struct {
	w     *imapWatcher
	conn  *imapConn
	caps  imap.CapSet
	after imapAfter
	// inflight is the highest UID whose body was asked for (see imapInflightSuffix).
	inflight uint32
}

// session runs one connection until ctx ends (nil) or something fails (the error).
// healthy is called after each complete check.
func (w *imapWatcher) session(ctx context.Context, healthy func()) error {
	after, err := parseIMAPAfter(w.acct.After)
	if err != nil {
		return imapErr("config", err)
	}
	conn, err := w.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.logout()
	caps, err := conn.caps()
	if err != nil {
		return err
	}
	s := &imapSession{w: w, conn: conn, caps: caps, after: after}
	if after.move != "" && !caps.Has(imap.CapMove) && !caps.Has(imap.CapUIDPlus) {
		// Moving would need a plain EXPUNGE, which removes every \Deleted message of
		// someone else's mailbox: record, but leave the messages where they are.
		w.log.Error("server has neither MOVE nor UIDPLUS: messages are recorded but not moved",
			zap.String("after", w.acct.After))
		w.errorMetric("postaction")
		s.after = imapAfter{}
	}
	w.log.Info("imap connected", zap.String("address", w.acct.Address), zap.String("user", w.acct.Username),
		zap.Bool("idle", caps.Has(imap.CapIdle)))
	interval := w.acct.PollInterval
	if interval <= 0 {
		interval = config.DefaultIMAPPollInterval
	}
	for {
		if err := s.check(ctx); err != nil {
			return err
		}
		w.polledMetric()
		healthy()
		if ctx.Err() != nil {
			return nil
		}
		if caps.Has(imap.CapIdle) {
			err = conn.idle(ctx, min(interval, imapIdleMax))
		} else {
			err = conn.wait(ctx, interval)
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// selectMailbox EXAMINEs the mailbox, or SELECTs it when a post-action will change it.
func (s *imapSession) selectMailbox() (*imap.SelectData, error) {
	var data *imap.SelectData
	err := s.conn.do("select", func() (err error) {
		data, err = s.conn.c.Select(s.w.mailbox, &imap.SelectOptions{ReadOnly: s.after.none()}).Wait()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("select %q: %w", s.w.mailbox, err)
	}
	return data, nil
}

// check takes in whatever arrived since the checkpoint.
func (s *imapSession) check(ctx context.Context) error {
	w := s.w
	data, err := s.selectMailbox()
	if err != nil {
		return err
	}
	cp, found, err := w.p.Store.Checkpoint(w.acct.Name, w.mailbox)
	if err != nil {
		return imapErr("checkpoint", err)
	}
	uidNext := uint32(data.UIDNext)
	if uidNext == 0 && data.NumMessages > 0 { // UIDNEXT is optional in IMAP4rev1
		if uidNext, err = s.highestUID(); err != nil {
			return err
		}
		uidNext++
	} else if uidNext == 0 {
		uidNext = 1
	}
	resync := false
	var quietBefore time.Time // resync: unknown messages older than this are history
	switch {
	case !found:
		if !w.acct.Backfill {
			// A new mailbox starts now: what is there already is not ours to take in.
			w.log.Info("first contact: starting at UIDNEXT", zap.Uint32("uidvalidity", data.UIDValidity),
				zap.Uint32("uidnext", uidNext))
			return s.setCheckpoint(ctx, data.UIDValidity, uidNext-1)
		}
		w.log.Info("first contact: backfilling", zap.Uint32("uidvalidity", data.UIDValidity),
			zap.Uint32("messages", data.NumMessages), zap.Uint32("until_uid", uidNext-1))
		if err := s.setMarker(ctx, imapBackfillSuffix, data.UIDValidity, uidNext-1); err != nil {
			return err
		}
		if err := s.setCheckpoint(ctx, data.UIDValidity, 0); err != nil {
			return err
		}
		cp = store.Checkpoint{Account: w.acct.Name, Mailbox: w.mailbox, UIDValidity: data.UIDValidity}
	case cp.UIDValidity != data.UIDValidity:
		// The server renumbered the mailbox (a migration, a re-created folder): read it all
		// again and take in only the messages whose Message-ID is not known. The old
		// checkpoint stays until the pass is complete, so an interrupted resync starts over.
		w.log.Warn("UIDVALIDITY changed: re-reading the mailbox, matching by Message-ID",
			zap.Uint32("old", cp.UIDValidity), zap.Uint32("new", data.UIDValidity))
		w.errorMetric("uidvalidity")
		resync = true
		quietBefore = cp.Updated
	default:
		if uidNext <= cp.LastUID+1 {
			return nil // nothing new
		}
	}
	from := imap.UID(cp.LastUID + 1)
	if resync {
		from = 1
	}
	var items []imapItem
	if data.NumMessages > 0 {
		if items, err = s.metadata(from); err != nil {
			return err
		}
	}
	backfillUntil := uint32(0)
	if w.acct.Backfill && !resync {
		if backfillUntil, err = s.marker(imapBackfillSuffix, data.UIDValidity); err != nil {
			return err
		}
	}
	if s.inflight, err = s.marker(imapInflightSuffix, data.UIDValidity); err != nil {
		return err
	}
	quiet := func(it imapItem) bool {
		if resync {
			// INTERNALDATE has whole seconds: a message of the same second counts as new.
			return !quietBefore.IsZero() && !it.date.IsZero() && it.date.Before(quietBefore.Truncate(time.Second))
		}
		return uint32(it.uid) <= backfillUntil
	}
	n, err := s.process(ctx, data.UIDValidity, items, resync, quiet)
	if err != nil {
		return err
	}
	if resync && ctx.Err() == nil {
		last := uidNext - 1
		if len(items) > 0 {
			last = max(last, uint32(items[len(items)-1].uid))
		}
		if err := s.setCheckpoint(ctx, data.UIDValidity, last); err != nil {
			return err
		}
		w.log.Info("resync complete", zap.Uint32("uidvalidity", data.UIDValidity), zap.Int("taken_in", n))
	}
	if n > 0 {
		w.log.Info("messages taken in", zap.Int("count", n))
	}
	return nil
}

// marker reads a mailbox's extra checkpoint entry; 0 when absent or of another UIDVALIDITY.
func (s *imapSession) marker(suffix string, validity uint32) (uint32, error) {
	m, ok, err := s.w.p.Store.Checkpoint(s.w.acct.Name, s.w.mailbox+suffix)
	if err != nil {
		return 0, imapErr("checkpoint", err)
	}
	if !ok || m.UIDValidity != validity {
		return 0, nil
	}
	return m.LastUID, nil
}

func (s *imapSession) setMarker(ctx context.Context, suffix string, validity, uid uint32) error {
	err := s.w.p.Store.SetCheckpoint(context.WithoutCancel(ctx), store.Checkpoint{
		Account: s.w.acct.Name, Mailbox: s.w.mailbox + suffix, UIDValidity: validity, LastUID: uid})
	return imapErr("checkpoint", err)
}

func (s *imapSession) setCheckpoint(ctx context.Context, validity, last uint32) error {
	err := s.w.p.Store.SetCheckpoint(context.WithoutCancel(ctx), store.Checkpoint{
		Account: s.w.acct.Name, Mailbox: s.w.mailbox, UIDValidity: validity, LastUID: last})
	return imapErr("checkpoint", err)
}

// highestUID asks for the UID of the last message (servers without UIDNEXT).
func (s *imapSession) highestUID() (uint32, error) {
	var uid imap.UID
	err := s.conn.do("fetch", func() error {
		cmd := s.conn.c.Fetch(imap.SeqSet{imap.SeqRange{Start: 0, Stop: 0}}, &imap.FetchOptions{UID: true})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				if u, ok := item.(imapclient.FetchItemDataUID); ok {
					uid = max(uid, u.UID)
				}
			}
		}
		return cmd.Close()
	})
	return uint32(uid), err
}

// metadata lists the messages from UID from on: UID, size, arrival and Message-ID, no
// bodies. Per RFC 9051 "from:*" includes the last message even below from: filtered.
func (s *imapSession) metadata(from imap.UID) ([]imapItem, error) {
	conn := s.conn
	wd := conn.watchdog()
	wd.arm()
	cmd := conn.c.Fetch(imap.UIDSet{imap.UIDRange{Start: from, Stop: 0}}, &imap.FetchOptions{
		UID: true, RFC822Size: true, InternalDate: true,
		BodySection: []*imap.FetchItemBodySection{{
			Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true,
		}},
	})
	var items []imapItem
	for {
		wd.arm()
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var it imapItem
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				it.uid = item.UID
			case imapclient.FetchItemDataRFC822Size:
				it.size = item.Size
			case imapclient.FetchItemDataInternalDate:
				it.date = item.Time
			case imapclient.FetchItemDataBodySection:
				if item.Literal != nil {
					h, err := io.ReadAll(io.LimitReader(item.Literal, 64<<10))
					if err != nil {
						return nil, wd.err("fetch", err)
					}
					it.mid = headerMessageID(h)
				}
			}
		}
		if it.uid >= from {
			items = append(items, it)
		}
	}
	wd.arm()
	err := cmd.Close()
	if err = wd.err("fetch", err); err != nil {
		return nil, fmt.Errorf("list messages from UID %d: %w", from, err)
	}
	slices.SortFunc(items, func(a, b imapItem) int { return int(int64(a.uid) - int64(b.uid)) })
	return items, nil
}

// imapChunk is one UID FETCH of bodies and the commits it leads to.
type imapChunk struct {
	items []imapItem
	byUID map[imap.UID]imapItem
	fetch imap.UIDSet
	n     int // messages to fetch
	wg    sync.WaitGroup

	mu       sync.Mutex
	err      error
	accepted []imap.UID // committed: the post-action applies
	known    []imap.UID // found in the store by Message-ID: the post-action applies
}

func (c *imapChunk) last() imap.UID { return c.items[len(c.items)-1].uid }

func (c *imapChunk) done(uid imap.UID, err error) {
	c.mu.Lock()
	if err != nil {
		if c.err == nil {
			c.err = err
		}
	} else {
		c.accepted = append(c.accepted, uid)
	}
	c.mu.Unlock()
	c.wg.Done()
}

// imapJob is one fetched message on its way to the Acceptor.
type imapJob struct {
	chunk *imapChunk
	uid   imap.UID
	env   store.Envelope
	raw   []byte
	cost  int64
}

// process fetches and commits items in chunks; it returns how many were taken in. Outside
// a resync, the checkpoint moves after each chunk.
func (s *imapSession) process(ctx context.Context, validity uint32, items []imapItem, resync bool, quiet func(imapItem) bool) (int, error) {
	w := s.w
	limit := int64(w.acct.MaxMessageBytes)
	if limit <= 0 {
		limit = config.DefaultMaxMessageBytes
	}
	timeout := s.conn.timeout
	sem := newIMAPByteSem(w.p.bufferBytes())
	jobs := make(chan *imapJob)
	var workers sync.WaitGroup
	var taken int
	var takenMu sync.Mutex
	for range w.p.workers() {
		workers.Go(func() {
			for j := range jobs {
				actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
				_, err := w.p.Acceptor.Accept(actx, j.env, j.raw)
				cancel()
				sem.release(j.cost)
				if err != nil {
					err = imapErr("accept", fmt.Errorf("commit UID %d: %w", j.uid, err))
				} else {
					w.fetchedMetric(int64(len(j.raw)))
					takenMu.Lock()
					taken++
					takenMu.Unlock()
				}
				j.chunk.done(j.uid, err)
			}
		})
	}
	var pending []*imapChunk
	finishFirst := func() error {
		c := pending[0]
		pending = pending[1:]
		c.wg.Wait()
		if c.err != nil {
			return c.err
		}
		if err := s.postAction(append(c.accepted, c.known...)); err != nil {
			return err
		}
		if resync {
			return nil
		}
		return s.setCheckpoint(ctx, validity, uint32(c.last()))
	}
	run := func() error {
		for len(items) > 0 {
			if ctx.Err() != nil {
				return nil
			}
			c, rest, err := s.nextChunk(items, limit, resync)
			if err != nil {
				return err
			}
			items = rest
			if c.n > 0 {
				if last := uint32(c.last()); last > s.inflight {
					if err := s.setMarker(ctx, imapInflightSuffix, validity, last); err != nil {
						return err
					}
					s.inflight = last
				}
				if err := s.stream(ctx, c, jobs, sem, limit, quiet); err != nil {
					return err
				}
			}
			pending = append(pending, c)
			// At most the chunk just streamed and the one before it may be unfinished:
			// that is imapRecheckWindow.
			for len(pending) > 1 {
				if err := finishFirst(); err != nil {
					return err
				}
			}
		}
		for len(pending) > 0 {
			if err := finishFirst(); err != nil {
				return err
			}
		}
		return nil
	}
	err := run()
	close(jobs)
	workers.Wait()
	return taken, err
}

// nextChunk takes the next chunk off items: oversize messages are skipped, and messages
// that may have been committed before (up to the in-flight mark, or all of them in a
// resync) are not taken in again when their Message-ID is already in the store.
func (s *imapSession) nextChunk(items []imapItem, limit int64, resync bool) (*imapChunk, []imapItem, error) {
	w := s.w
	c := &imapChunk{byUID: map[imap.UID]imapItem{}}
	var bytes int64
	i := 0
	for ; i < len(items) && i < imapChunkMax; i++ {
		it := items[i]
		if c.n > 0 && bytes+it.size > imapChunkBytes {
			break
		}
		c.items = append(c.items, it)
		if it.size > limit {
			w.log.Warn("message over the size limit: skipped, not fetched", zap.Uint32("uid", uint32(it.uid)),
				zap.Int64("size", it.size), zap.Int64("limit", limit), zap.String("message_id", it.mid))
			w.skippedMetric("oversize")
			continue
		}
		if (resync || uint32(it.uid) <= s.inflight) && it.mid != "" {
			known, err := w.p.Store.HasMessageID(it.mid)
			if err != nil {
				return nil, nil, imapErr("checkpoint", err)
			}
			if known {
				w.log.Debug("already in the store: not taken in again", zap.Uint32("uid", uint32(it.uid)),
					zap.String("message_id", it.mid))
				if !resync {
					c.known = append(c.known, it.uid)
				}
				continue
			}
		}
		c.byUID[it.uid] = it
		c.fetch.AddNum(it.uid)
		c.n++
		bytes += it.size
	}
	return c, items[i:], nil
}

// stream fetches the bodies of one chunk with one UID FETCH and hands each message to the
// workers as soon as it is read. The deadline covers each wait for the network, not the
// wait for the store.
func (s *imapSession) stream(ctx context.Context, c *imapChunk, jobs chan<- *imapJob, sem *imapByteSem, limit int64, quiet func(imapItem) bool) error {
	w := s.w
	conn := s.conn
	wd := conn.watchdog()
	wd.arm()
	cmd := conn.c.Fetch(c.fetch, &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	fail := func(err error) error {
		conn.close() // the rest of the FETCH is not read: the connection is spent
		_ = cmd.Close()
		return err
	}
	for {
		if ctx.Err() != nil {
			return fail(imapErr("connection", ctx.Err()))
		}
		wd.arm()
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var uid imap.UID
		var raw []byte
		oversize := int64(-1)
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBodySection:
				if item.Literal == nil {
					continue
				}
				if n := item.Literal.Size(); n > limit {
					oversize = n
					if _, err := io.Copy(io.Discard, item.Literal); err != nil {
						return fail(wd.err("fetch", err))
					}
					continue
				}
				raw = make([]byte, item.Literal.Size())
				if _, err := io.ReadFull(item.Literal, raw); err != nil {
					return fail(wd.err("fetch", fmt.Errorf("read UID %d: %w", uid, err)))
				}
			}
		}
		wd.disarm()
		it, ok := c.byUID[uid]
		switch {
		case !ok:
			continue // not asked for (a flag update), or already seen
		case oversize >= 0:
			w.log.Warn("message over the size limit: skipped", zap.Uint32("uid", uint32(uid)), zap.Int64("size", oversize))
			w.skippedMetric("oversize")
			continue
		case raw == nil:
			return fail(imapErr("fetch", fmt.Errorf("UID %d came without its body", uid)))
		}
		delete(c.byUID, uid)
		mid := headerMessageID(raw)
		if mid == "" {
			mid = it.mid
		}
		env := store.Envelope{
			Source:    w.source(),
			From:      strings.Trim(headerValue(raw, "Return-Path"), "<> "),
			Received:  it.date,
			MessageID: mid,
			Quiet:     quiet(it),
		}
		cost := sem.acquire(int64(len(raw)))
		c.wg.Add(1)
		jobs <- &imapJob{chunk: c, uid: uid, env: env, raw: raw, cost: cost}
	}
	wd.arm()
	if err := wd.err("fetch", cmd.Close()); err != nil {
		return fmt.Errorf("fetch %d messages: %w", c.n, err)
	}
	// Messages expunged since the listing simply do not come back; nothing to wait for.
	return nil
}

// postAction applies the configured post-action to committed messages. A server's refusal
// (NO) is logged and counted but does not hold the checkpoint back: the message is
// committed, and fetching it again would not help. Network failures do.
func (s *imapSession) postAction(uids []imap.UID) error {
	if s.after.none() || len(uids) == 0 {
		return nil
	}
	set := imap.UIDSetNum(uids...)
	conn := s.conn
	var err error
	switch {
	case s.after.keyword != "":
		err = conn.do("postaction", func() error {
			return conn.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
				Flags: []imap.Flag{imap.Flag(s.after.keyword)}}, nil).Close()
		})
	case s.caps.Has(imap.CapMove):
		err = conn.do("postaction", func() error {
			_, err := conn.c.Move(set, s.after.move).Wait()
			return err
		})
	default:
		// UIDPLUS without MOVE: COPY, and only once the copy is made, flag and UID
		// EXPUNGE exactly these messages (go-imap's own fallback pipelines all three, so a
		// failed COPY would still expunge).
		err = conn.do("postaction", func() error {
			if _, err := conn.c.Copy(set, s.after.move).Wait(); err != nil {
				return err
			}
			if err := conn.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
				Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
				return err
			}
			return conn.c.UIDExpunge(set).Close()
		})
	}
	var refused *imap.Error
	if errors.As(err, &refused) {
		s.w.log.Error("post-action refused by the server; messages stay as they are",
			zap.String("after", s.w.acct.After), zap.Int("messages", len(uids)), zap.Error(err))
		s.w.errorMetric("postaction")
		return nil
	}
	return err
}

// headerValue returns the first field name of the header at the top of raw, unfolded and
// trimmed; "" when there is none.
func headerValue(raw []byte, name string) string {
	if len(raw) > 1<<20 {
		raw = raw[:1<<20]
	}
	var val []byte
	in := false
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break // end of the header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if in {
				val = append(val, ' ')
				val = append(val, bytes.TrimSpace(line)...)
			}
			continue
		}
		if in {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon > 0 && strings.EqualFold(strings.TrimRight(string(line[:colon]), " \t"), name) {
			in = true
			val = append(val, bytes.TrimSpace(line[colon+1:])...)
		}
	}
	return strings.TrimSpace(string(val))
}

// imapByteSem bounds the bytes of fetched messages not yet committed. A message larger
// than the whole budget takes all of it.
type imapByteSem struct {
	mu        sync.Mutex
	cond      *sync.Cond
	used, max int64
}

func newIMAPByteSem(max int64) *imapByteSem {
	s := &imapByteSem{max: max}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *imapByteSem) acquire(n int64) int64 {
	n = min(max(n, 1), s.max)
	s.mu.Lock()
	for s.used+n > s.max {
		s.cond.Wait()
	}
	s.used += n
	s.mu.Unlock()
	return n
}

func (s *imapByteSem) release(n int64) {
	s.mu.Lock()
	s.used -= n
	s.mu.Unlock()
	s.cond.Broadcast()
}
