package ingest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

const (
	testIMAPUser     = "chair"
	testIMAPPassword = "pw-s3cret-never-logged"
	testIMAPToken    = "tok-s3cret-never-logged"
	testWait         = 15 * time.Second
)

// memIMAP is an in-process IMAP server (go-imap's imapmemserver) on a loopback port whose
// connections the test can drop.
type memIMAP struct {
	t    *testing.T
	user *imapmemserver.User
	srv  *imapserver.Server
	addr string

	mu    sync.Mutex
	conns []net.Conn
	// idling receives a value each time a session enters IDLE.
	idling chan struct{}
}

type memIMAPOptions struct {
	caps      imap.CapSet
	tls       *tls.Config // implicit TLS
	starttls  *tls.Config
	saslToken string // offer XOAUTH2 and OAUTHBEARER with this token
}

func newMemIMAP(t *testing.T, o memIMAPOptions) *memIMAP {
	t.Helper()
	mem := imapmemserver.New()
	m := &memIMAP{t: t, user: imapmemserver.NewUser(testIMAPUser, testIMAPPassword), idling: make(chan struct{}, 1000)}
	for _, mb := range []string{"INBOX", "Archive"} {
		if err := m.user.Create(mb, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(m.user)
	caps := o.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	m.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess := idleSignal{SessionIMAP4rev2: mem.NewSession().(imapserver.SessionIMAP4rev2), idling: m.idling}
			if o.saslToken != "" {
				return &saslSession{SessionIMAP4rev2: sess, token: o.saslToken}, nil, nil
			}
			return sess, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		TLSConfig:    o.starttls,
		Logger:       nopLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	var l net.Listener = &trackingListener{Listener: ln, m: m}
	if o.tls != nil {
		l = tls.NewListener(l, o.tls)
	}
	go func() { _ = m.srv.Serve(l) }()
	t.Cleanup(func() { _ = m.srv.Close() })
	return m
}

// idleSignal reports each IDLE the poller starts.
type idleSignal struct {
	imapserver.SessionIMAP4rev2
	idling chan struct{}
}

func (s idleSignal) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	s.idling <- struct{}{}
	return s.SessionIMAP4rev2.Idle(w, stop)
}

type nopLogger struct{}

func (nopLogger) Printf(f string, a ...any) { fmt.Printf(f+"\n", a...) }

type trackingListener struct {
	net.Listener
	m *memIMAP
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.m.mu.Lock()
		l.m.conns = append(l.m.conns, c)
		l.m.mu.Unlock()
	}
	return c, err
}

// drop closes every connection the server has: the poller sees its server go away.
func (m *memIMAP) drop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.conns {
		_ = c.Close()
	}
	m.conns = nil
}

type literal struct {
	*bytes.Reader
}

func (l literal) Size() int64 { return l.Reader.Size() }

func (m *memIMAP) add(mailbox string, raw []byte, flags ...imap.Flag) imap.UID {
	m.t.Helper()
	data, err := m.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Flags: flags})
	if err != nil {
		m.t.Fatal(err)
	}
	return data.UID
}

// client opens a separate connection to look at the mailbox as a user would.
func (m *memIMAP) client() *imapclient.Client {
	m.t.Helper()
	c, err := imapclient.DialInsecure(m.addr, nil)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := c.Login(testIMAPUser, testIMAPPassword).Wait(); err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { _ = c.Close() })
	return c
}

// flags returns the flags of every message in mailbox, by UID.
func (m *memIMAP) flags(mailbox string) map[imap.UID][]imap.Flag {
	m.t.Helper()
	c := m.client()
	data, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		m.t.Fatal(err)
	}
	out := map[imap.UID][]imap.Flag{}
	if data.NumMessages == 0 {
		return out
	}
	res, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		m.t.Fatal(err)
	}
	for _, r := range res {
		out[r.UID] = r.Flags
	}
	return out
}

// saslSession adds XOAUTH2 and OAUTHBEARER to imapmemserver, accepting one token.
type saslSession struct {
	imapserver.SessionIMAP4rev2
	token string
}

func (s *saslSession) AuthenticateMechanisms() []string {
	return []string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}
}

func (s *saslSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(_, user, pass string) error { return s.Login(user, pass) }), nil
	case "OAUTHBEARER":
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if o.Token != s.token || s.Login(o.Username, testIMAPPassword) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token"}
			}
			return nil
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{s: s}, nil
	}
	return nil, errors.New("unsupported mechanism")
}

type xoauth2Server struct {
	s      *saslSession
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed { // the client's empty answer to the error challenge
		return nil, true, errors.New("xoauth2: invalid credentials")
	}
	parts := strings.Split(string(resp), "\x01")
	var user, tok string
	for _, p := range parts {
		if v, ok := strings.CutPrefix(p, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(p, "auth=Bearer "); ok {
			tok = v
		}
	}
	if tok != x.s.token || x.s.Login(user, testIMAPPassword) != nil {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer"}`), false, nil
	}
	return nil, true, nil
}

// acceptRecorder commits through the real store and reports each message.
type acceptRecorder struct {
	st   *store.Store
	got  chan store.Envelope
	fail error
}

func newAcceptRecorder(st *store.Store) *acceptRecorder {
	return &acceptRecorder{st: st, got: make(chan store.Envelope, 10000)}
}

func (a *acceptRecorder) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	if a.fail != nil {
		return 0, a.fail
	}
	id, err := a.st.PutMessage(ctx, env, raw)
	if err == nil {
		a.got <- env
	}
	return id, err
}

func (a *acceptRecorder) next(t *testing.T) store.Envelope {
	t.Helper()
	select {
	case env := <-a.got:
		return env
	case <-time.After(testWait):
		t.Fatal("no message accepted")
		return store.Envelope{}
	}
}

func (a *acceptRecorder) none(t *testing.T) {
	t.Helper()
	select {
	case env := <-a.got:
		t.Fatalf("unexpected message accepted: %+v", env)
	default:
	}
}

// events collects metric calls.
type events struct {
	polled  chan string
	errors  chan string
	skipped chan string
	backoff chan time.Duration
}

func newEvents() *events {
	return &events{polled: make(chan string, 1000), errors: make(chan string, 1000),
		skipped: make(chan string, 1000), backoff: make(chan time.Duration, 1000)}
}

func (e *events) metrics() IMAPMetrics {
	return IMAPMetrics{
		Polled: func(a, m string, _ time.Time) { e.polled <- a + "/" + m },
		Error: func(a, m, kind string) {
			select {
			case e.errors <- kind:
			default:
			}
		},
		Skipped: func(a, m, reason string) { e.skipped <- reason },
		Backoff: func(a, m string, d time.Duration) {
			select {
			case e.backoff <- d:
			default:
			}
		},
	}
}

func waitFor[T any](t *testing.T, ch <-chan T, what string, ok func(T) bool) T {
	t.Helper()
	timeout := time.After(testWait)
	for {
		select {
		case v := <-ch:
			if ok == nil || ok(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func openIMAPStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "liaisond.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func secretFile(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(s+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testAccount(t *testing.T, m *memIMAP, name string) config.IMAP {
	return config.IMAP{
		Name: name, Address: m.addr, TLS: "none", Username: testIMAPUser, Auth: "plain",
		PasswordFile: secretFile(t, testIMAPPassword), Mailboxes: []string{"INBOX"}, After: "none",
		PollInterval: 100 * time.Millisecond, CommandTimeout: 5 * time.Second, MaxMessageBytes: 1 << 20,
	}
}

// startPoller runs p until the test ends (or stop is called) and returns stop.
func startPoller(t *testing.T, p *IMAPPoller) (stop func()) {
	t.Helper()
	if p.Log == nil && os.Getenv("IMAP_TEST_LOG") != "" {
		p.Log = zaptest.NewLogger(t)
	}
	if p.BackoffMin == 0 {
		p.BackoffMin, p.BackoffMax = 5*time.Millisecond, 50*time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(testWait):
				t.Error("poller did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

var msgSeq struct {
	sync.Mutex
	n int
}

// testMsg returns a small message with a fresh Message-ID (or the one given).
func testMsg(mid string, bodyBytes int) []byte {
	if mid == "" {
		msgSeq.Lock()
		msgSeq.n++
		mid = fmt.Sprintf("<m%d.%d@test.example>", msgSeq.n, time.Now().UnixNano())
		msgSeq.Unlock()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <liaison@itu.example>\r\nFrom: ITU-T SG15 <liaison@itu.example>\r\nTo: ccamp-chairs@ietf.example\r\n")
	fmt.Fprintf(&b, "Subject: LS on OTN YANG\r\nMessage-ID: %s\r\nDate: Tue, 05 Nov 2024 10:00:00 +0000\r\n\r\n", mid)
	b.WriteString("Title: LS on OTN YANG\r\n")
	for b.Len() < bodyBytes {
		b.WriteString("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n")
	}
	return b.Bytes()
}

func checkpointOf(t *testing.T, st *store.Store, acct string) store.Checkpoint {
	t.Helper()
	cp, _, err := st.Checkpoint(acct, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// waitCheckpoint waits until the poller's checkpoint covers uid (after a complete check).
func waitCheckpoint(t *testing.T, ev *events, st *store.Store, acct string, uid imap.UID) {
	t.Helper()
	for {
		if checkpointOf(t, st, acct).LastUID >= uint32(uid) {
			return
		}
		waitFor(t, ev.polled, fmt.Sprintf("checkpoint at UID %d", uid), nil)
	}
}

func countMessages(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	list, err := st.Messages()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range list {
		out[m.MessageID]++
	}
	return out
}

func TestIMAPBackfillThenNewMailDuringIdle(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	old1 := m.add("INBOX", testMsg("", 500))
	m.add("INBOX", testMsg("", 500), imap.FlagSeen)
	before := m.flags("INBOX")
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	a := testAccount(t, m, "ccamp")
	a.Backfill = true
	a.PollInterval = time.Hour
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics()})

	for range 2 {
		env := acc.next(t)
		if !env.Quiet || env.Source != "imap:ccamp/INBOX" || env.From != "liaison@itu.example" || env.MessageID == "" {
			t.Errorf("backfilled envelope = %+v; want quiet, source imap:ccamp/INBOX", env)
		}
	}
	waitCheckpoint(t, ev, st, "ccamp", old1+1)

	// The poll interval is an hour: only IDLE can bring this one in.
	waitFor(t, m.idling, "IDLE", nil)
	uid := m.add("INBOX", testMsg("", 500))
	env := acc.next(t)
	if env.Quiet {
		t.Errorf("new mail after the backfill is quiet: %+v", env)
	}
	waitCheckpoint(t, ev, st, "ccamp", uid)
	if after := m.flags("INBOX"); fmt.Sprint(after[old1], after[old1+1]) != fmt.Sprint(before[old1], before[old1+1]) || len(after[uid]) != 0 {
		t.Errorf("flags changed by the poller: before %v, after %v", before, after)
	}
	if got := countMessages(t, st); len(got) != 3 {
		t.Errorf("store has %v", got)
	}
}

func TestIMAPFirstContactStartsAtUIDNext(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	m.add("INBOX", testMsg("", 200))
	last := m.add("INBOX", testMsg("", 200))
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{testAccount(t, m, "a")}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	waitFor(t, ev.polled, "first poll", nil)
	acc.none(t)
	if cp := checkpointOf(t, st, "a"); cp.LastUID != uint32(last) || cp.UIDValidity == 0 {
		t.Fatalf("checkpoint = %+v, want LastUID %d", cp, last)
	}
	uid := m.add("INBOX", testMsg("", 200))
	acc.next(t)
	waitCheckpoint(t, ev, st, "a", uid)
}

func TestIMAPReconnectAfterServerDrops(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{testAccount(t, m, "a")}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	waitFor(t, ev.polled, "first poll", nil)

	m.drop()
	// Which command notices the drop depends on timing (IDLE, the NOOP before it, a fetch):
	// any of the errors a lost connection gives will do.
	waitFor(t, ev.errors, "connection error", func(k string) bool {
		switch k {
		case "connection", "idle", "fetch", "select", "timeout":
			return true
		}
		return false
	})
	waitFor(t, ev.backoff, "backoff", func(d time.Duration) bool { return d > 0 })
	uid := m.add("INBOX", testMsg("", 200))
	acc.next(t)
	waitCheckpoint(t, ev, st, "a", uid)
	waitFor(t, ev.backoff, "backoff reset", func(d time.Duration) bool { return d == 0 })
}

func TestIMAPUIDValidityChange(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	m1, m2 := testMsg("", 300), testMsg("", 300)
	m.add("INBOX", m1)
	m.add("INBOX", m2)
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	a := testAccount(t, m, "a")
	a.Backfill = true
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	acc.next(t)
	acc.next(t)
	waitCheckpoint(t, ev, st, "a", 2)
	oldCP := checkpointOf(t, st, "a")

	// The mailbox is deleted and re-created (a migration): same messages, new UIDs.
	if err := m.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := m.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	m3 := testMsg("", 300)
	m.add("INBOX", m3)
	m.add("INBOX", m1)
	m.add("INBOX", m2)
	m.drop() // the poller idles on the deleted mailbox; a new session finds the new one

	env := acc.next(t)
	if env.MessageID != headerMessageID(m3) || env.Quiet {
		t.Errorf("after the resync got %+v, want the new message, not quiet", env)
	}
	waitFor(t, ev.errors, "uidvalidity event", func(k string) bool { return k == "uidvalidity" })
	for {
		cp := checkpointOf(t, st, "a")
		if cp.UIDValidity != oldCP.UIDValidity {
			if cp.LastUID != 3 {
				t.Errorf("checkpoint after resync = %+v, want LastUID 3", cp)
			}
			break
		}
		waitFor(t, ev.polled, "resync checkpoint", nil)
	}
	acc.none(t)
	for mid, n := range countMessages(t, st) {
		if n != 1 {
			t.Errorf("%s stored %d times", mid, n)
		}
	}
	if n := len(countMessages(t, st)); n != 3 {
		t.Errorf("store has %d messages, want 3", n)
	}
}

func TestIMAPOversizeSkippedNotFetched(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	a := testAccount(t, m, "a")
	a.MaxMessageBytes = 4000
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	waitFor(t, ev.polled, "first poll", nil)
	big := testMsg("", 10000)
	m.add("INBOX", big)
	small := m.add("INBOX", testMsg("", 1000))
	if env := acc.next(t); env.MessageID == headerMessageID(big) {
		t.Fatal("oversize message accepted")
	}
	if r := waitFor(t, ev.skipped, "skip", nil); r != "oversize" {
		t.Errorf("skip reason %q", r)
	}
	waitCheckpoint(t, ev, st, "a", small)
	acc.none(t)
}

func TestIMAPKeywordPostAction(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	a := testAccount(t, m, "a")
	a.After = "keyword:$LiaisonRecorded"
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	waitFor(t, ev.polled, "first poll", nil)
	uid := m.add("INBOX", testMsg("", 200))
	acc.next(t)
	waitCheckpoint(t, ev, st, "a", uid)
	flags := m.flags("INBOX")[uid]
	if !strings.EqualFold(fmt.Sprint(flags), "[$LiaisonRecorded]") { // imapmemserver lower-cases keywords
		t.Errorf("flags = %v, want only $LiaisonRecorded (no \\Seen)", flags)
	}
}

func TestIMAPMovePostAction(t *testing.T) {
	for _, tc := range []struct {
		name  string
		caps  imap.CapSet
		moved bool
	}{
		{"MOVE", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}}, true},
		{"UIDPLUS", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}, true},
		{"neither", imap.CapSet{imap.CapIMAP4rev1: {}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemIMAP(t, memIMAPOptions{caps: tc.caps})
			// Someone else's message flagged \Deleted: a plain EXPUNGE would remove it.
			keep := m.add("INBOX", testMsg("", 200), imap.FlagDeleted)
			st := openIMAPStore(t)
			acc := newAcceptRecorder(st)
			ev := newEvents()
			a := testAccount(t, m, "a")
			a.After = "move:Archive"
			startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
			waitFor(t, ev.polled, "first poll", nil)
			uid := m.add("INBOX", testMsg("", 200))
			acc.next(t)
			waitCheckpoint(t, ev, st, "a", uid)
			inbox, archive := m.flags("INBOX"), m.flags("Archive")
			if _, ok := inbox[keep]; !ok {
				t.Errorf("the \\Deleted message of someone else was expunged")
			}
			if _, still := inbox[uid]; still == tc.moved || (len(archive) == 1) != tc.moved {
				t.Errorf("moved = %v; inbox %v, archive %v", !still, inbox, archive)
			}
			if !tc.moved {
				waitFor(t, ev.errors, "postaction error", func(k string) bool { return k == "postaction" })
			}
		})
	}
}

// failingCheckpoints fails every SetCheckpoint past the first contact: a crash between
// the commit of a message and the checkpoint that covers it.
type failingCheckpoints struct {
	*store.Store
}

func (f failingCheckpoints) SetCheckpoint(ctx context.Context, c store.Checkpoint) error {
	if c.LastUID > 0 && !strings.Contains(c.Mailbox, "\r") {
		return errors.New("disk gone")
	}
	return f.Store.SetCheckpoint(ctx, c)
}

func TestIMAPCrashBetweenCommitAndCheckpoint(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	m.add("INBOX", testMsg("", 300))
	m.add("INBOX", testMsg("", 300))
	st := openIMAPStore(t)
	a := testAccount(t, m, "a")
	a.Backfill = true

	acc1 := newAcceptRecorder(st)
	ev1 := newEvents()
	stop := startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc1, Store: failingCheckpoints{st}, Metrics: ev1.metrics()})
	acc1.next(t)
	acc1.next(t)
	waitFor(t, ev1.errors, "checkpoint failure", func(k string) bool { return k == "checkpoint" })
	// The session failed after the commit; the next session finds the messages again and
	// recognises them by Message-ID.
	waitFor(t, ev1.errors, "second checkpoint failure", func(k string) bool { return k == "checkpoint" })
	stop() // crash
	acc1.none(t)
	if cp := checkpointOf(t, st, "a"); cp.LastUID != 0 {
		t.Fatalf("checkpoint moved: %+v", cp)
	}

	acc2 := newAcceptRecorder(st)
	ev2 := newEvents()
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc2, Store: st, Metrics: ev2.metrics()})
	waitCheckpoint(t, ev2, st, "a", 2)
	acc2.none(t)
	for mid, n := range countMessages(t, st) {
		if n != 1 {
			t.Errorf("%s stored %d times", mid, n)
		}
	}
	uid := m.add("INBOX", testMsg("", 300))
	acc2.next(t)
	waitCheckpoint(t, ev2, st, "a", uid)
}

func TestIMAPAcceptFailureHoldsCheckpoint(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{})
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	acc.fail = errors.New("store full")
	ev := newEvents()
	a := testAccount(t, m, "a")
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics()})
	waitFor(t, ev.polled, "first poll", nil)
	start := checkpointOf(t, st, "a")
	m.add("INBOX", testMsg("", 300))
	waitFor(t, ev.errors, "accept error", func(k string) bool { return k == "accept" })
	if cp := checkpointOf(t, st, "a"); cp.LastUID != start.LastUID {
		t.Errorf("checkpoint moved past a message that was not committed: %+v", cp)
	}
}

func TestIMAPAuthMechanismsAndSecrets(t *testing.T) {
	m := newMemIMAP(t, memIMAPOptions{saslToken: testIMAPToken})
	st := openIMAPStore(t)
	acc := newAcceptRecorder(st)
	ev := newEvents()
	core, logs := observer.New(zap.DebugLevel)
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range logs.All() {
				t.Log(e.Time.Format("15:04:05.000"), e.Message, e.ContextMap())
			}
		}
	})

	plain := testAccount(t, m, "plain")
	xo := testAccount(t, m, "xoauth2")
	xo.Auth, xo.PasswordFile, xo.BearerTokenFile = "xoauth2", "", secretFile(t, testIMAPToken)
	ob := testAccount(t, m, "oauthbearer")
	ob.Auth, ob.PasswordFile, ob.BearerTokenFile = "oauthbearer", "", secretFile(t, testIMAPToken)
	bad := testAccount(t, m, "bad")
	bad.PasswordFile = secretFile(t, "wrong-"+testIMAPPassword)
	badTok := testAccount(t, m, "badtoken")
	badTok.Auth, badTok.PasswordFile, badTok.BearerTokenFile = "xoauth2", "", secretFile(t, "wrong-"+testIMAPToken)

	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{plain, xo, ob, bad, badTok}, Acceptor: acc, Store: st,
		Metrics: ev.metrics(), Log: zap.New(core)})
	// Failing accounts never stop the others: the three good ones all poll.
	seen := map[string]bool{}
	for len(seen) < 3 {
		seen[waitFor(t, ev.polled, "three accounts polling", nil)] = true
	}
	if seen["bad/INBOX"] || seen["badtoken/INBOX"] {
		t.Fatalf("a bad credential logged in: %v", seen)
	}
	waitFor(t, ev.errors, "auth error", func(k string) bool { return k == "auth" })
	m.add("INBOX", testMsg("", 200))
	got := map[string]bool{}
	for range 3 {
		got[acc.next(t).Source] = true
	}
	if !got["imap:plain/INBOX"] || !got["imap:xoauth2/INBOX"] || !got["imap:oauthbearer/INBOX"] {
		t.Errorf("sources = %v", got)
	}
	for _, e := range logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		if strings.Contains(line, "s3cret") {
			t.Errorf("secret in log: %s", line)
		}
	}
}

func TestIMAPTLS(t *testing.T) {
	cert, pool := testCert(t)
	srvTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	for _, mode := range []string{"implicit", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			o := memIMAPOptions{tls: srvTLS}
			if mode == "starttls" {
				o = memIMAPOptions{starttls: srvTLS}
			}
			m := newMemIMAP(t, o)
			st := openIMAPStore(t)

			// Verification is on: an unknown CA is refused.
			ev := newEvents()
			a := testAccount(t, m, "a")
			a.TLS = mode
			stop := startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: newAcceptRecorder(st), Store: st, Metrics: ev.metrics()})
			waitFor(t, ev.errors, "tls error", func(k string) bool { return k == "tls" })
			stop()

			ev = newEvents()
			acc := newAcceptRecorder(st)
			startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: acc, Store: st, Metrics: ev.metrics(), RootCAs: pool})
			waitFor(t, ev.polled, "poll over TLS", nil)
			m.add("INBOX", testMsg("", 200))
			acc.next(t)
		})
	}
}

func TestIMAPCommandDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts and never says a word
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	st := openIMAPStore(t)
	ev := newEvents()
	a := config.IMAP{Name: "mute", Address: ln.Addr().String(), TLS: "none", Username: "u", Auth: "plain",
		PasswordFile: secretFile(t, "p"), Mailboxes: []string{"INBOX"}, After: "none",
		PollInterval: time.Hour, CommandTimeout: 100 * time.Millisecond}
	startPoller(t, &IMAPPoller{Accounts: []config.IMAP{a}, Acceptor: newAcceptRecorder(st), Store: st, Metrics: ev.metrics()})
	waitFor(t, ev.errors, "timeout", func(k string) bool { return k == "timeout" })
}

func TestIMAPRefusesPlainTextToRemote(t *testing.T) {
	st := openIMAPStore(t)
	p := &IMAPPoller{Accounts: []config.IMAP{{Name: "x", Address: "imap.example.org:143", TLS: "none",
		Username: "u", Mailboxes: []string{"INBOX"}, After: "none"}}, Acceptor: newAcceptRecorder(st), Store: st}
	if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Run = %v, want a refusal", err)
	}
}

func TestIMAPBackoff(t *testing.T) {
	w := &imapWatcher{p: &IMAPPoller{BackoffMin: time.Second, BackoffMax: time.Minute}}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 10: time.Minute, 100: time.Minute} {
		for range 20 {
			if d := w.backoff(n); d < want/2 || d > want {
				t.Errorf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestXOAuth2ClientAndHeaderValue(t *testing.T) {
	c := newXOAuth2Client("u@example.org", "tok")
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || string(ir) != "user=u@example.org\x01auth=Bearer tok\x01\x01" {
		t.Errorf("Start = %q %q %v", mech, ir, err)
	}
	if resp, err := c.Next([]byte(`{"status":"401"}`)); err != nil || len(resp) != 0 || c.failure != "401" {
		t.Errorf("Next = %q %v (failure %q)", resp, err, c.failure)
	}
	raw := []byte("Received: x\r\nReturn-Path:\r\n <a@b.example>\r\nSubject: s\r\n\r\nReturn-Path: <body@x>\r\n")
	if got := headerValue(raw, "return-path"); got != "<a@b.example>" {
		t.Errorf("headerValue = %q", got)
	}
	if got := headerValue(raw, "X-None"); got != "" {
		t.Errorf("headerValue of a missing field = %q", got)
	}
}

// testCert makes a self-signed certificate for 127.0.0.1 and a pool trusting it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
