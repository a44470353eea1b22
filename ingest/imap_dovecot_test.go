package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

// TestIMAPDovecot runs the poller against a real Dovecot started by .ci/dovecot.sh
// (eval "$(bash .ci/dovecot.sh)"): the sample corpus is appended to a fresh mailbox,
// backfilled, each message taken in exactly once, the mailbox left as it was, and a
// restart fetches nothing again. Skipped unless LIAISOND_DOVECOT_ADDR is set.
func TestIMAPDovecot(t *testing.T) {
	addr := os.Getenv("LIAISOND_DOVECOT_ADDR")
	if addr == "" {
		t.Skip("LIAISOND_DOVECOT_ADDR not set: run eval \"$(bash .ci/dovecot.sh)\" first")
	}
	user, pass := os.Getenv("LIAISOND_DOVECOT_USER"), os.Getenv("LIAISOND_DOVECOT_PASS")
	mailbox := fmt.Sprintf("liaisond-test-%d", time.Now().UnixNano())

	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(mailbox).Wait() })

	files, err := filepath.Glob("parse/testdata/corpus/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	want := map[[32]byte]int{}
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = crlf(raw)
		want[sha256.Sum256(raw)]++
		var flags []imap.Flag
		switch i % 3 { // a mailbox someone reads: some seen, some flagged
		case 1:
			flags = []imap.Flag{imap.FlagSeen}
		case 2:
			flags = []imap.Flag{imap.FlagFlagged, "$Forwarded"}
		}
		cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("append %s: %v", f, err)
		}
	}
	before := dovecotFlags(t, c, mailbox)
	if len(before) != len(files) {
		t.Fatalf("mailbox has %d messages, appended %d", len(before), len(files))
	}
	lastUID := slices.Max(mapKeys(before))

	account := func(name string) config.IMAP {
		return config.IMAP{Name: name, Address: addr, TLS: "none", Username: user, Auth: "plain",
			PasswordFile: secretFile(t, pass), Mailboxes: []string{mailbox}, After: "none", Backfill: true,
			PollInterval: time.Minute, CommandTimeout: 30 * time.Second, MaxMessageBytes: 50 << 20}
	}
	st := openIMAPStore(t)
	acc := &hashRecorder{st: st, got: map[[32]byte]int{}}
	ev := newEvents()
	stop := startPoller(t, &IMAPPoller{Accounts: []config.IMAP{account("dovecot")}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	waitDovecotCheckpoint(t, ev, st, "dovecot", mailbox, lastUID)
	stop()
	acc.mu.Lock()
	if fmt.Sprint(acc.got) != fmt.Sprint(want) {
		t.Errorf("taken in %v, want each appended message once: %v", acc.got, want)
	}
	if acc.loud > 0 {
		t.Errorf("%d backfilled messages were not quiet", acc.loud)
	}
	acc.mu.Unlock()
	if after := dovecotFlags(t, c, mailbox); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("mailbox changed by the poller:\nbefore %v\nafter  %v", before, after)
	}

	// A restart fetches nothing again.
	acc2 := &hashRecorder{st: st, got: map[[32]byte]int{}}
	ev2 := newEvents()
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{account("dovecot")}, Acceptor: acc2, Store: st, Metrics: ev2.metrics()})
	waitFor(t, ev2.polled, "poll after restart", nil)
	acc2.mu.Lock()
	if len(acc2.got) != 0 {
		t.Errorf("restart took in %d messages again", len(acc2.got))
	}
	acc2.mu.Unlock()

	// The same over implicit TLS with the certificate verified.
	tlsAddr, ca := os.Getenv("LIAISOND_DOVECOT_TLS_ADDR"), os.Getenv("LIAISOND_DOVECOT_CA")
	if tlsAddr == "" || ca == "" {
		return
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	st3 := openIMAPStore(t)
	acc3 := &hashRecorder{st: st3, got: map[[32]byte]int{}}
	ev3 := newEvents()
	a := account("dovecot-tls")
	a.Address, a.TLS = tlsAddr, "implicit"
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc3, Store: st3, Metrics: ev3.metrics(), RootCAs: pool})
	waitDovecotCheckpoint(t, ev3, st3, "dovecot-tls", mailbox, lastUID)
	acc3.mu.Lock()
	if fmt.Sprint(acc3.got) != fmt.Sprint(want) {
		t.Errorf("over TLS taken in %v, want %v", acc3.got, want)
	}
	acc3.mu.Unlock()
}

func crlf(raw []byte) []byte {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
}

func mapKeys[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}

func dovecotFlags(t *testing.T, c *imapclient.Client, mailbox string) map[imap.UID]string {
	t.Helper()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	res, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[imap.UID]string{}
	for _, r := range res {
		fl := make([]string, 0, len(r.Flags))
		for _, f := range r.Flags {
			fl = append(fl, string(f))
		}
		slices.Sort(fl)
		out[r.UID] = fmt.Sprint(fl, r.RFC822Size)
	}
	return out
}

func waitDovecotCheckpoint(t *testing.T, ev *events, st *store.Store, acct, mailbox string, uid imap.UID) {
	t.Helper()
	for {
		cp, _, err := st.Checkpoint(acct, mailbox)
		if err != nil {
			t.Fatal(err)
		}
		if cp.LastUID >= uint32(uid) {
			return
		}
		waitFor(t, ev.polled, fmt.Sprintf("checkpoint at UID %d", uid), nil)
	}
}

// hashRecorder commits through the store and counts messages by their bytes.
type hashRecorder struct {
	st   *store.Store
	mu   sync.Mutex
	got  map[[32]byte]int
	loud int
}

func (h *hashRecorder) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	id, err := h.st.PutMessage(ctx, env, raw)
	if err == nil {
		h.mu.Lock()
		h.got[sha256.Sum256(raw)]++
		if !env.Quiet {
			h.loud++
		}
		h.mu.Unlock()
	}
	return id, err
}
