// Command imapbench times liaisond's IMAP poller taking in a backlog (backfill = true)
// from an IMAP server, next to the same store's durable write rate for the same messages.
// bench/imap.sh drives it against a private Dovecot; see there.
//
//	imapbench -mode poller    the poller into a fresh store (the Acceptor is store.PutMessage)
//	imapbench -mode fetchonly the poller with an Acceptor that discards (IMAP side only)
//	imapbench -mode storeonly the messages, fetched beforehand, put with -workers writers
//
// It prints one line: mode=... messages=N seconds=S msg_per_s=R mb_per_s=M.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/store"
)

func main() {
	mode := flag.String("mode", "poller", "poller, fetchonly or storeonly")
	addr := flag.String("addr", "127.0.0.1:10143", "IMAP server (plain text, loopback)")
	user := flag.String("user", "test", "IMAP user")
	pass := flag.String("pass", "test", "IMAP password")
	mailbox := flag.String("mailbox", "INBOX", "mailbox")
	expect := flag.Int("expect", 0, "messages in the mailbox (required)")
	dir := flag.String("dir", os.TempDir(), "folder for the temporary store")
	workers := flag.Int("workers", ingest.DefaultIMAPWorkers, "concurrent commits")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after")
	flag.Parse()
	if *expect <= 0 {
		fail(errors.New("-expect is required"))
	}
	tmp, err := os.MkdirTemp(*dir, "imapbench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	st, err := store.Open(filepath.Join(tmp, "liaisond.db"), store.Options{})
	if err != nil {
		fail(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var n int
	var bytes int64
	var dt time.Duration
	switch *mode {
	case "poller", "fetchonly":
		n, bytes, dt, err = runPoller(ctx, st, *mode == "fetchonly", *addr, *user, *pass, *mailbox, *expect, *workers, tmp)
	case "storeonly":
		n, bytes, dt, err = runStore(ctx, st, *addr, *user, *pass, *mailbox, *workers)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fail(err)
	}
	if n != *expect {
		fail(fmt.Errorf("took in %d messages, want %d", n, *expect))
	}
	s := dt.Seconds()
	fmt.Printf("mode=%s messages=%d seconds=%.3f msg_per_s=%.1f mb_per_s=%.1f\n", *mode, n, s, float64(n)/s, float64(bytes)/s/1e6)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "imapbench:", err)
	os.Exit(1)
}

type counting struct {
	st      *store.Store // nil: discard
	n       atomic.Int64
	bytes   atomic.Int64
	expect  int64
	done    chan struct{}
	once    sync.Once
	doneAt  atomic.Int64
	started time.Time
}

func (c *counting) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	var id store.MsgID
	if c.st != nil {
		var err error
		if id, err = c.st.PutMessage(ctx, env, raw); err != nil {
			return 0, err
		}
	}
	c.bytes.Add(int64(len(raw)))
	if c.n.Add(1) == c.expect {
		c.doneAt.Store(int64(time.Since(c.started)))
		c.once.Do(func() { close(c.done) })
	}
	return id, nil
}

func runPoller(ctx context.Context, st *store.Store, discard bool, addr, user, pass, mailbox string, expect, workers int, tmp string) (int, int64, time.Duration, error) {
	pf := filepath.Join(tmp, "pass")
	if err := os.WriteFile(pf, []byte(pass), 0o600); err != nil {
		return 0, 0, 0, err
	}
	acc := &counting{expect: int64(expect), done: make(chan struct{})}
	if !discard {
		acc.st = st
	}
	p := &ingest.IMAPPoller{
		Accounts: []config.IMAP{{Name: "bench", Address: addr, TLS: "none", Username: user, Auth: "plain",
			PasswordFile: pf, Mailboxes: []string{mailbox}, After: "none", Backfill: true,
			PollInterval: time.Minute, CommandTimeout: time.Minute, MaxMessageBytes: 50 << 20}},
		Acceptor: acc, Store: st, Workers: workers,
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	acc.started = time.Now()
	errc := make(chan error, 1)
	go func() { errc <- p.Run(pctx) }()
	select {
	case <-acc.done:
	case <-ctx.Done():
		return int(acc.n.Load()), acc.bytes.Load(), 0, fmt.Errorf("timed out after %d messages", acc.n.Load())
	}
	dt := time.Duration(acc.doneAt.Load())
	stop()
	if err := <-errc; err != nil {
		return 0, 0, 0, err
	}
	return int(acc.n.Load()), acc.bytes.Load(), dt, nil
}

// runStore fetches every message into memory (not timed), then times putting them all
// into the store with the same number of concurrent writers the poller uses.
func runStore(ctx context.Context, st *store.Store, addr, user, pass, mailbox string, workers int) (int, int64, time.Duration, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		return 0, 0, 0, err
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, 0, err
	}
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	var msgs [][]byte
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		for item := m.Next(); item != nil; item = m.Next() {
			if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
				raw, err := io.ReadAll(b.Literal)
				if err != nil {
					return 0, 0, 0, err
				}
				msgs = append(msgs, raw)
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return 0, 0, 0, err
	}
	var next atomic.Int64
	var bytes atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				env := store.Envelope{Source: "imap:bench/" + mailbox, Quiet: true, MessageID: fmt.Sprintf("<%d@storeonly>", i)}
				if _, err := st.PutMessage(ctx, env, msgs[i]); err != nil {
					errs <- err
					return
				}
				bytes.Add(int64(len(msgs[i])))
			}
		})
	}
	wg.Wait()
	dt := time.Since(start)
	select {
	case err := <-errs:
		return 0, 0, 0, err
	default:
	}
	return len(msgs), bytes.Load(), dt, nil
}
