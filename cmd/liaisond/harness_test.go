package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	liaisond "github.com/ietf-tools/liaisond"
	corpuscase "github.com/ietf-tools/liaisond/internal/corpus"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/text/unicode/norm"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/store"
)

// TestHarness imitates the judging harness end to end, in-process and on loopback: every
// corpus case is delivered through its declared channel (IMAP APPEND to a polled folder or
// SMTP to the listener) to a running daemon, every pending record is confirmed by a
// coordinator's reply, and each case is scored from `records list --json`,
// `messages list --json`, `outbox list --json` and the mails the relay captured, with the
// rules of testdata/corpus/README.md.

// ---- expectations (SCHEMA.md) ----

// ---- what the CLI prints ----

type hContact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type hAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	StoredAs    string `json:"stored_as"`
}

type hRecord struct {
	ID                string        `json:"id"`
	State             string        `json:"state"`
	Title             string        `json:"title"`
	FromOrg           string        `json:"from_org"`
	FromGroups        []string      `json:"from_groups"`
	ToGroups          []string      `json:"to_groups"`
	FromContact       *hContact     `json:"from_contact"`
	ResponseContacts  []hContact    `json:"response_contacts"`
	TechnicalContacts []hContact    `json:"technical_contacts"`
	CcContacts        []hContact    `json:"cc_contacts"`
	ToContacts        []hContact    `json:"to_contacts"`
	Purpose           string        `json:"purpose"`
	Deadline          string        `json:"deadline"`
	Body              string        `json:"body"`
	Attachments       []hAttachment `json:"attachments"`
	ForwardedBy       *hContact     `json:"forwarded_by"`
	Sources           []struct {
		MessageID string `json:"message_id"`
		Source    string `json:"source"`
	} `json:"sources"`
}

type hMessage struct {
	ID        uint64 `json:"id"`
	MessageID string `json:"message_id"`
	Source    string `json:"source"`
	Outcome   string `json:"outcome"`
	Record    string `json:"record"`
	Reason    string `json:"reason"`
}

type hOutbox struct {
	ID        uint64   `json:"id"`
	Kind      string   `json:"kind"`
	Record    string   `json:"record"`
	To        []string `json:"to"`
	Cc        []string `json:"cc"`
	Subject   string   `json:"subject"`
	MessageID string   `json:"message_id"`
	InReplyTo string   `json:"in_reply_to"`
	State     string   `json:"state"`
	Reason    string   `json:"reason"`
}

// ---- normalisation (copied from ingest/parse/corpus_test.go, README "Normalisation") ----

func hContactEmails(cs []hContact) []string {
	var l []string
	for _, c := range cs {
		l = append(l, c.Email)
	}
	return corpuscase.Emails(l)
}

func hMID(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
}

// ---- the harness case ----

type hCase struct {
	name string
	raw  []byte
	exp  corpuscase.Expectation
	al   corpuscase.Aliases

	// delivery results
	smtpErr   error
	msg       store.MsgID // the message the daemon took in for it (first sight)
	processed bool
	elapsed   time.Duration
	crashed   bool
}

func loadHarnessCases(t *testing.T) []*hCase {
	t.Helper()
	var emls []string
	for _, dir := range []string{"corpus", "corpus-extra", "corpus-variants", "corpus-variants2", "corpus-variants3", "corpus-variants4", "corpus-variants5", "corpus-variants6", "corpus-variants7", "corpus-variants8", "corpus-variants9", "corpus-variants10", "corpus-variants11", "corpus-variants12", "corpus-variants13", "corpus-variants14", "corpus-variants15", "corpus-variants16", "corpus-variants17", "corpus-variants18", "corpus-variants19", "corpus-variants20", "corpus-variants21", "corpus-variants22"} {
		l, _ := filepath.Glob(filepath.Join("..", "..", "ingest", "parse", "testdata", dir, "*.eml"))
		emls = append(emls, l...)
	}
	if len(emls) == 0 {
		t.Fatal("no corpus")
	}
	sort.Slice(emls, func(i, j int) bool { return filepath.Base(emls[i]) < filepath.Base(emls[j]) })
	var cases []*hCase
	for _, eml := range emls {
		c := &hCase{name: strings.TrimSuffix(filepath.Base(eml), ".eml")}
		var err error
		if c.raw, err = os.ReadFile(eml); err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(strings.TrimSuffix(eml, ".eml") + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(js, &c.exp); err != nil {
			t.Fatalf("%s: %v", eml, err)
		}
		_ = json.Unmarshal(c.exp.Aliases, &c.al)
		if c.exp.Case != c.name {
			t.Fatalf("%s: case %q", eml, c.exp.Case)
		}
		cases = append(cases, c)
	}
	return cases
}

// ---- signals from the daemon and the relay ----

type hSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newHSignal() *hSignal { return &hSignal{ch: make(chan struct{}, 1)} }

func (s *hSignal) kick() {
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// hWait waits until cond holds, woken by any of the signals (and, where no signal exists,
// a poll tick), or until the deadline. It reports whether cond held.
func hWait(d time.Duration, poll time.Duration, cond func() bool, sigs ...*hSignal) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	var tick <-chan time.Time
	if poll > 0 {
		tk := time.NewTicker(poll)
		defer tk.Stop()
		tick = tk.C
	}
	var a, b <-chan struct{}
	if len(sigs) > 0 {
		a = sigs[0].ch
	}
	if len(sigs) > 1 {
		b = sigs[1].ch
	}
	for {
		if cond() {
			return true
		}
		select {
		case <-a:
		case <-b:
		case <-tick:
		case <-deadline.C:
			return cond()
		}
	}
}

type hProcessed struct {
	sig   *hSignal
	mu    sync.Mutex
	order []store.Message // first sight of each message
	seen  map[store.MsgID]bool
	calls int
}

func (p *hProcessed) add(m store.Message, _ ingest.Outcome) {
	p.mu.Lock()
	p.calls++
	if !p.seen[m.ID] {
		p.seen[m.ID] = true
		p.order = append(p.order, m)
	}
	p.mu.Unlock()
	p.sig.kick()
}

func (p *hProcessed) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.order)
}

func (p *hProcessed) at(i int) store.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.order[i]
}

type hMail struct {
	captured
	kind      string
	messageID string
	inReplyTo string
	to        []string // To header
	subject   string
}

type hRelay struct {
	sig  *hSignal
	mu   sync.Mutex
	mail []hMail
}

func (r *hRelay) drain(relay *captureRelay, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case m := <-relay.mail:
			hm := hMail{captured: m}
			if rd, err := mail.CreateReader(bytes.NewReader(m.Raw)); err == nil {
				hm.kind = rd.Header.Get("X-Liaisond")
				hm.messageID, _ = rd.Header.MessageID()
				hm.inReplyTo = hMID(rd.Header.Get("In-Reply-To"))
				hm.subject, _ = rd.Header.Subject()
				list, _ := rd.Header.AddressList("To")
				for _, a := range list {
					hm.to = append(hm.to, a.Address)
				}
			}
			r.mu.Lock()
			r.mail = append(r.mail, hm)
			r.mu.Unlock()
			r.sig.kick()
		}
	}
}

func (r *hRelay) snapshot() []hMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hMail(nil), r.mail...)
}

type hLogBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *hLogBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *hLogBuf) Sync() error { return nil }
func (l *hLogBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ---- CLI readers ----

func hLines[T any](t *testing.T, args ...string) []T {
	t.Helper()
	out, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("liaisond %s: exit %d", strings.Join(args, " "), code)
	}
	var l []T
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("liaisond %s: %v in %s", strings.Join(args, " "), err, line)
		}
		l = append(l, v)
	}
	return l
}

const (
	hIntake      = "ls-intake@ietf.org"
	hCoordinator = "coordinator@example.org"
	hAckCc       = "liaison-coordination@example.org"
	hIMAPUser    = "harness"
	hIMAPPass    = "harness-pass"
	hPerMessage  = 10 * time.Second // README: no_hang, suggested 10 s per message
)

func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end harness")
	}
	cases := loadHarnessCases(t)

	// Sentinels for attachment_paths_within_store: what exists outside the store before.
	cwd, _ := os.Getwd()
	outside := []string{"/etc/passwd", "/tmp/oif-ia.pdf", "/etc/cron.d/oif-liaison", "/tmp/passwd", "/tmp/win.ini",
		"/tmp/oif-liaison", filepath.Join(cwd, "passwd"), filepath.Join(cwd, "oif-ia.pdf"), filepath.Join(cwd, "win.ini"),
		filepath.Join(cwd, "oif-liaison")}
	before := map[string]string{}
	statKey := func(p string) string {
		fi, err := os.Lstat(p)
		if err != nil {
			return "absent"
		}
		return fmt.Sprintf("%d %s", fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
	}
	for _, p := range outside {
		before[p] = statKey(p)
	}
	cwdBefore := hDirList(cwd)

	// Environment: the test IMAP account with every folder, the relay, the config.
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "store")
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	relay, err := newCaptureRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	imapSrv, err := newMemIMAP(hIMAPUser, hIMAPPass)
	if err != nil {
		t.Fatal(err)
	}
	defer imapSrv.Close()
	var mailboxes []string
	seenBox := map[string]bool{}
	for _, c := range cases {
		if c.exp.Delivery.Channel == "imap" && !seenBox[c.exp.Delivery.Mailbox] {
			seenBox[c.exp.Delivery.Mailbox] = true
			mailboxes = append(mailboxes, c.exp.Delivery.Mailbox)
			if c.exp.Delivery.Mailbox != "INBOX" {
				if err := imapSrv.user.Create(c.exp.Delivery.Mailbox, nil); err != nil {
					t.Fatalf("create folder %s: %v", c.exp.Delivery.Mailbox, err)
				}
			}
		}
	}
	os.WriteFile(filepath.Join(dir, "imap.pass"), []byte(hIMAPPass+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "token.key"), []byte(strings.Repeat("h", 40)+"\n"), 0o600)
	boxes, _ := json.Marshal(mailboxes)
	cfgText := fmt.Sprintf(`[store]
path = %q
[[smtp]]
listen = "127.0.0.1:0"
hostname = "ls-intake.ietf.org"
recipients = [%q]
[[imap]]
name = %q
address = %q
tls = "none"
username = %q
password_file = %q
mailboxes = %s
after = "none"
backfill = false
poll_interval = "5s"
[outgoing]
address = %q
tls = "none"
from = "IETF Liaison Intake <%s>"
[confirm]
coordinators = [%q]
reply_address = %q
token_secret_file = %q
[ack]
policy = "on-confirm"
cc = [%q]
[admin]
socket = %q
[log]
level = "info"
format = "json"
`, filepath.Join(storeDir, "liaisond.db"), hIntake, hIMAPUser, imapSrv.addr, hIMAPUser, filepath.Join(dir, "imap.pass"),
		boxes, relay.addr, hIntake, hCoordinator, hIntake, filepath.Join(dir, "token.key"), hAckCc,
		filepath.Join(dir, "admin.sock"))
	cfgPath := filepath.Join(dir, "liaisond.toml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("config: %v", err)
	}

	// The daemon, in-process.
	var logs hLogBuf
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), &logs, zap.InfoLevel))
	procSig, relaySig, pollSig := newHSignal(), newHSignal(), newHSignal()
	proc := &hProcessed{sig: procSig, seen: map[store.MsgID]bool{}}
	var pollMu sync.Mutex
	polled := map[string]bool{}
	d, err := startDaemon(cfg, log, daemonOptions{
		OnProcessed: proc.add,
		OnPolled: func(account, mailbox string) {
			pollMu.Lock()
			polled[account+"/"+mailbox] = true
			pollMu.Unlock()
			pollSig.kick()
		},
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- d.run(ctx) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-runDone:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("daemon did not stop within 30s")
		}
	}
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("daemon stop: %v", err)
		}
		if t.Failed() {
			var bad []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, `"level":"error"`) || strings.Contains(l, `"level":"warn"`) {
					bad = append(bad, l)
				}
			}
			if len(bad) > 60 {
				bad = bad[len(bad)-60:]
			}
			t.Logf("daemon warnings and errors (last %d):\n%s", len(bad), strings.Join(bad, "\n"))
		}
	}()
	drainDone := make(chan struct{})
	defer close(drainDone)
	rel := &hRelay{sig: relaySig}
	go rel.drain(relay, drainDone)
	smtpAddr := d.smtpL[0].Addr().String()
	alive := func() bool {
		select {
		case err := <-runDone:
			runDone <- err
			return false
		default:
			return true
		}
	}

	// The poller's first look at every folder: what arrives after it is new mail.
	if !hWait(30*time.Second, 0, func() bool {
		pollMu.Lock()
		defer pollMu.Unlock()
		for _, mb := range mailboxes {
			if !polled[hIMAPUser+"/"+mb] {
				return false
			}
		}
		return true
	}, pollSig) {
		t.Fatalf("the poller did not reach every folder: %v", polled)
	}

	// Deliver every case in numeric order, each through its channel; wait for the daemon to
	// take each in and process it.
	for _, c := range cases {
		n := proc.count()
		start := time.Now()
		switch c.exp.Delivery.Channel {
		case "imap":
			if err := imapSrv.add(c.exp.Delivery.Mailbox, c.raw); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		case "smtp":
			from := ""
			if c.exp.Delivery.MailFrom != nil {
				from = *c.exp.Delivery.MailFrom
			}
			rcpt := c.exp.Delivery.RcptTo
			if len(rcpt) == 0 {
				rcpt = []string{hIntake}
			}
			c.smtpErr = sendPlain(smtpAddr, from, rcpt, c.raw)
		default:
			t.Fatalf("%s: channel %q", c.name, c.exp.Delivery.Channel)
		}
		if c.smtpErr == nil {
			c.processed = hWait(hPerMessage, 0, func() bool { return proc.count() > n || !alive() }, procSig) && proc.count() > n
			if c.processed {
				c.msg = proc.at(n).ID
			}
		}
		c.elapsed = time.Since(start)
		c.crashed = !alive()
		if c.crashed {
			t.Errorf("%s: the daemon stopped: %v", c.name, <-runDone)
			return
		}
	}

	// Everything taken in is processed (no message left pending) and the outbox is empty.
	// The outbox state has no in-process signal: poll the CLI, woken by the relay too.
	outboxIdle := func() bool {
		for _, m := range hLines[hMessage](t, "messages", "list", "--json", "--config", cfgPath) {
			if m.Outcome == "pending" {
				return false
			}
		}
		for _, e := range hLines[hOutbox](t, "outbox", "list", "--json", "--config", cfgPath) {
			if e.State == "queued" {
				return false
			}
		}
		return true
	}
	if !hWait(60*time.Second, 100*time.Millisecond, outboxIdle, procSig, relaySig) {
		t.Errorf("messages or outbox not settled after delivery")
	}
	messagesBefore := hLines[hMessage](t, "messages", "list", "--json", "--config", cfgPath)
	recordsBefore := hLines[hRecord](t, "records", "list", "--json", "--config", cfgPath)

	// The coordinator confirms every pending record by replying to its request.
	pending := hLines[hRecord](t, "records", "list", "--json", "--state", "pending", "--config", cfgPath)
	out := hLines[hOutbox](t, "outbox", "list", "--json", "--config", cfgPath)
	confirmed := map[string]bool{}
	for _, r := range pending {
		var req *hMail
		for _, e := range out {
			if e.Kind != "confirm" || e.Record != r.ID {
				continue
			}
			ok := hWait(30*time.Second, 0, func() bool {
				for _, m := range rel.snapshot() {
					if hMID(m.messageID) == hMID(e.MessageID) {
						req = &m
						return true
					}
				}
				return false
			}, relaySig)
			if ok {
				break
			}
		}
		if req == nil {
			t.Errorf("%s: no confirmation request reached the relay", r.ID)
			continue
		}
		reply, err := coordinatorReply(req.Raw, "confirm")
		if err != nil {
			t.Fatal(err)
		}
		n := proc.count()
		if err := sendPlain(smtpAddr, hCoordinator, replyRecipients(req.Raw), reply); err != nil {
			t.Errorf("%s: coordinator's reply refused: %v", r.ID, err)
			continue
		}
		if !hWait(hPerMessage, 0, func() bool { return proc.count() > n }, procSig) {
			t.Errorf("%s: coordinator's reply not processed", r.ID)
			continue
		}
		confirmed[r.ID] = true
	}
	if !hWait(60*time.Second, 100*time.Millisecond, outboxIdle, procSig, relaySig) {
		t.Errorf("outbox not drained after the confirmations")
	}

	// What the harness reads.
	messages := hLines[hMessage](t, "messages", "list", "--json", "--config", cfgPath)
	records := hLines[hRecord](t, "records", "list", "--json", "--config", cfgPath)
	outbox := hLines[hOutbox](t, "outbox", "list", "--json", "--config", cfgPath)
	sent := rel.snapshot()
	if len(recordsBefore) != len(records) {
		t.Errorf("records: %d before the confirmations, %d after", len(recordsBefore), len(records))
	}
	_ = messagesBefore
	for _, m := range messages {
		if m.Outcome == "pending" || m.Outcome == "failed" {
			t.Errorf("message %d <%s> left %s: %s", m.ID, m.MessageID, m.Outcome, m.Reason)
		}
	}
	kinds := map[string]int{}
	for _, m := range sent {
		kinds[m.kind]++
	}
	t.Logf("harness: %d messages, %d records (%d confirmed), %d outbox entries; the relay captured %d mails %v",
		len(messages), len(records), len(confirmed), len(outbox), len(sent), kinds)
	recByID := map[string]*hRecord{}
	for i := range records {
		recByID[records[i].ID] = &records[i]
	}
	for id := range confirmed {
		if r := recByID[id]; r == nil || r.State != "posted" {
			st := ""
			if r != nil {
				st = r.State
			}
			t.Errorf("%s: state %q after the coordinator's confirm, want posted", id, st)
		}
	}

	// Map each case to its message: by outer Message-ID in arrival order, else by what the
	// daemon reported taking in at its delivery.
	msgByID := map[uint64]*hMessage{}
	for i := range messages {
		msgByID[messages[i].ID] = &messages[i]
	}
	used := map[uint64]bool{}
	caseMsg := map[*hCase]*hMessage{}
	for _, c := range cases {
		for i := range messages {
			m := &messages[i]
			if !used[m.ID] && m.MessageID != "" && hMID(m.MessageID) == hMID(c.exp.MessageID) {
				used[m.ID], caseMsg[c] = true, m
				break
			}
		}
	}
	for _, c := range cases {
		if caseMsg[c] == nil && c.processed && !used[uint64(c.msg)] {
			if m := msgByID[uint64(c.msg)]; m != nil {
				used[m.ID], caseMsg[c] = true, m
			}
		}
	}

	for _, m := range messages {
		if !used[m.ID] && m.Outcome != "command" {
			t.Errorf("message %d <%s> is no case's and not a coordinator command: %s %s", m.ID, m.MessageID, m.Outcome, m.Reason)
		}
	}
	for _, c := range cases {
		if m := caseMsg[c]; m != nil && m.Outcome == "command" {
			t.Errorf("%s: taken as a coordinator command", c.name)
		}
	}

	// Which case made each record.
	recordCase := map[string]*hCase{}
	for _, c := range cases {
		if m := caseMsg[c]; m != nil && m.Outcome == "record" && m.Record != "" && recordCase[m.Record] == nil {
			recordCase[m.Record] = c
		}
	}
	if n := len(recordCase); n != len(records) {
		t.Errorf("%d records listed, %d made by a case's message", len(records), n)
	}

	// Acknowledgements actually sent, each attributed to a record by the outbox entry that
	// sent it (else by In-Reply-To).
	outByMID := map[string]hOutbox{}
	for _, e := range outbox {
		outByMID[hMID(e.MessageID)] = e
	}
	caseByMID := map[string][]*hCase{}
	for _, c := range cases {
		caseByMID[hMID(c.exp.MessageID)] = append(caseByMID[hMID(c.exp.MessageID)], c)
	}
	acksByRecord := map[string][]hMail{}
	acksByCase := map[*hCase][]hMail{}
	allOutgoing := map[*hCase][]hMail{} // any mail in reply to the case's message
	for _, m := range sent {
		if cs := caseByMID[m.inReplyTo]; len(cs) > 0 && m.kind != "confirm" {
			for _, c := range cs {
				allOutgoing[c] = append(allOutgoing[c], m)
			}
		}
		if m.kind != "ack" {
			continue
		}
		rec := ""
		if e, ok := outByMID[hMID(m.messageID)]; ok {
			rec = e.Record
		}
		if rec == "" {
			if cs := caseByMID[m.inReplyTo]; len(cs) > 0 {
				acksByCase[cs[0]] = append(acksByCase[cs[0]], m)
				continue
			}
			t.Errorf("an acknowledgement for no known record or case: %q to %v", m.subject, m.To)
			continue
		}
		acksByRecord[rec] = append(acksByRecord[rec], m)
	}
	// Per record: an ack in reply to a duplicate's own (distinct) Message-ID is that
	// duplicate's; the first other one is the creating case's; any further ones are
	// re-acknowledgements by the duplicates.
	for rec, acks := range acksByRecord {
		owner := recordCase[rec]
		var dups []*hCase
		for _, c := range cases {
			if m := caseMsg[c]; m != nil && m.Outcome == "duplicate" && m.Record == rec {
				dups = append(dups, c)
			}
		}
		ownerTaken := false
		for _, a := range acks {
			var target *hCase
			for _, dc := range dups {
				if owner != nil && hMID(dc.exp.MessageID) != hMID(owner.exp.MessageID) && a.inReplyTo == hMID(dc.exp.MessageID) {
					target = dc
				}
			}
			if target == nil && !ownerTaken && owner != nil {
				target, ownerTaken = owner, true
			}
			if target == nil {
				for _, dc := range dups {
					acksByCase[dc] = append(acksByCase[dc], a)
				}
				if len(dups) == 0 {
					t.Errorf("%s: a second acknowledgement %q to %v", rec, a.subject, a.To)
				}
				continue
			}
			acksByCase[target] = append(acksByCase[target], a)
		}
	}

	// Attachments outside the store: nothing written outside.
	for _, p := range outside {
		if k := statKey(p); k != before[p] {
			t.Errorf("attachment_paths_within_store: %s changed during the run (%s -> %s)", p, before[p], k)
		}
	}
	if after := hDirList(cwd); after != cwdBefore {
		t.Errorf("attachment_paths_within_store: the working directory changed:\nbefore %s\nafter  %s", cwdBefore, after)
	}
	realStore, _ := filepath.EvalSymlinks(storeDir)

	// Score.
	type result struct {
		field, got, want string
		ok               bool
	}
	var summary []string
	passed := 0
	for _, c := range cases {
		var res []result
		add := func(field string, ok bool, got, want any) {
			res = append(res, result{field, fmt.Sprint(got), fmt.Sprint(want), ok})
		}
		m := caseMsg[c]
		scored := map[string]bool{}
		for _, f := range c.exp.ScoredFields {
			scored[f] = true
		}
		checks := map[string]bool{}
		for _, ch := range c.exp.Checks {
			checks[ch] = true
		}
		outcome, reason, recID := "", "", ""
		switch {
		case c.smtpErr != nil:
			outcome, reason = "smtp-refused", c.smtpErr.Error()
		case m == nil:
			outcome = "not taken in"
		default:
			outcome, reason, recID = m.Outcome, m.Reason, m.Record
		}
		rec := recByID[recID]
		acks := acksByCase[c]
		var ackTo, ackRcpts []string
		for _, a := range acks {
			ackTo = append(ackTo, a.to...)
			ackRcpts = append(ackRcpts, a.To...)
		}
		ackTo = corpuscase.Emails(ackTo)
		recorded := outcome == "record" && rec != nil && recordCase[recID] == c
		linked := outcome == "duplicate" && rec != nil
		rejected := !recorded && !linked

		// Outcome.
		switch c.exp.Outcome {
		case "record":
			add("outcome", recorded, fmt.Sprintf("%s %s %s", outcome, recID, reason), "record (one new record)")
		case "duplicate":
			want := ""
			if c.exp.DuplicateOf != nil {
				want = *c.exp.DuplicateOf
			}
			ok := linked && recordCase[recID] != nil && recordCase[recID].name == want
			add("outcome", ok, fmt.Sprintf("%s %s %s", outcome, recID, reason), "duplicate of "+want)
		case "ignore":
			add("outcome", outcome == "ignore" && recID == "", fmt.Sprintf("%s %s %s", outcome, recID, reason), "ignore (no record)")
		case "record_or_reject":
			ok := recorded || (rejected && recID == "" && strings.TrimSpace(reason) != "" && outcome != "not taken in" && outcome != "pending")
			what := "record"
			if !recorded {
				what = "reject"
			}
			add("outcome", ok, fmt.Sprintf("%s (%s) %s %s", what, outcome, recID, reason), "record, or reject with a reason")
		}
		// Fields: all but for a hostile case that was rejected.
		if !(c.exp.Outcome == "record_or_reject" && rejected) {
			if scored["is_liaison"] {
				add("is_liaison", (recorded || linked) == c.exp.IsLiaison, recorded || linked, c.exp.IsLiaison)
			}
			if scored["should_ack"] {
				add("should_ack", (len(acks) > 0) == c.exp.ShouldAck, fmt.Sprintf("%v (%d acks)", len(acks) > 0, len(acks)), c.exp.ShouldAck)
			}
			if scored["ack_to"] {
				w := corpuscase.Emails(c.exp.AckTo)
				add("ack_to", strings.Join(ackTo, ",") == strings.Join(w, ","), ackTo, w)
			}
			if rec != nil && (recorded || linked) {
				hScoreRecord(c, rec, scored, recorded, add)
			} else {
				for _, f := range []string{"title", "from_org", "from_group", "to_groups", "sender", "contacts", "purpose", "deadline", "attachments", "forwarded_by"} {
					if scored[f] {
						add(f, false, "(no record)", "a record")
					}
				}
			}
			if scored["duplicate_of"] {
				got := "null"
				if linked && recordCase[recID] != nil {
					got = recordCase[recID].name
				} else if linked {
					got = "(record " + recID + ")"
				}
				want := "null"
				if c.exp.DuplicateOf != nil {
					want = *c.exp.DuplicateOf
				}
				add("duplicate_of", got == want, got, want)
			}
			if recorded && len(c.exp.BodyContains) > 0 {
				body := corpuscase.Text(rec.Body)
				var missing []string
				for _, s := range c.exp.BodyContains {
					if !strings.Contains(body, corpuscase.Text(s)) {
						missing = append(missing, s)
					}
				}
				add("body_contains", len(missing) == 0, fmt.Sprintf("missing %q", missing), c.exp.BodyContains)
			}
		}

		// Checks, and the invariants every case must keep.
		if checks["no_crash"] {
			add("no_crash", !c.crashed, !c.crashed, true)
		}
		if ok := c.smtpErr != nil || c.processed; checks["no_hang"] || !ok {
			add("no_hang", ok, fmt.Sprintf("processed=%v in %s", c.processed, c.elapsed.Round(time.Millisecond)), "processed within "+hPerMessage.String())
		}
		if checks["no_record_created"] {
			add("no_record_created", recID == "", recID, "")
		}
		if checks["no_new_record"] {
			add("no_new_record", !recorded, recorded, false)
		}
		if checks["no_ack_sent"] {
			add("no_ack_sent", len(acks) == 0, len(acks), 0)
		}
		if checks["no_ack_if_rejected"] && rejected {
			add("no_ack_if_rejected", len(acks) == 0, len(acks), 0)
		}
		if checks["reject_has_reason"] && rejected {
			add("reject_has_reason", strings.TrimSpace(reason) != "", reason, "non-empty")
		}
		if checks["no_loop"] {
			var l []string
			for _, x := range allOutgoing[c] {
				l = append(l, x.kind+":"+x.subject)
			}
			add("no_loop", len(l) == 0 && recID == "", fmt.Sprintf("record %q, replies %v", recID, l), "none")
		}
		// Never an acknowledgement to a list, the IETF side or the forwarder (every case).
		if bad := hForbidden(c, ackRcpts); len(bad) > 0 || checks["ack_not_to_list"] || checks["ack_not_to_forwarder"] {
			add("ack_not_to_list/forwarder", len(bad) == 0, bad, "none")
		}
		if rec != nil && recorded {
			if nul := hNUL(rec); nul != "" || checks["no_nul_in_stored_text"] {
				add("no_nul_in_stored_text", nul == "", nul, "")
			}
			var esc []string
			for _, a := range rec.Attachments {
				if e := hEscapes(realStore, storeDir, a.StoredAs); e != "" {
					esc = append(esc, e)
				}
			}
			if len(esc) > 0 || checks["attachment_paths_within_store"] {
				add("attachment_paths_within_store", len(esc) == 0, esc, "all inside "+storeDir)
			}
		}

		// Report.
		var failed []string
		for _, r := range res {
			if !r.ok {
				failed = append(failed, r.field)
			}
		}
		status := "PASS"
		if len(failed) > 0 {
			status = "FAIL"
		} else {
			passed++
		}
		t.Logf("== %s %s (%s via %s)", status, c.name, c.exp.Outcome, c.exp.Delivery.Channel)
		for _, r := range res {
			mark := "ok  "
			if !r.ok {
				mark = "FAIL"
			}
			if r.ok {
				t.Logf("   %s %-30s %s", mark, r.field, hTrunc(r.got, 160))
			} else {
				t.Logf("   %s %-30s got  %s\n   %s %-30s want %s", mark, r.field, hTrunc(r.got, 600), "    ", "", hTrunc(r.want, 600))
			}
		}
		if len(failed) > 0 {
			summary = append(summary, fmt.Sprintf("%s: %s", c.name, strings.Join(failed, ", ")))
			t.Errorf("%s: %s", c.name, strings.Join(failed, ", "))
		}
	}
	t.Logf("harness: %d/%d cases pass", passed, len(cases))
	if len(summary) > 0 {
		t.Logf("failing:\n  %s", strings.Join(summary, "\n  "))
	}
	if err := stop(); err != nil {
		t.Errorf("no_crash: the daemon's run ended with %v", err)
	}
}

// hScoreRecord compares a record's fields with the case's expectation.
func hScoreRecord(c *hCase, rec *hRecord, scored map[string]bool, recorded bool, add func(string, bool, any, any)) {
	e, al := c.exp, c.al
	if scored["title"] && e.Title != nil {
		add("title", corpuscase.OneOf(rec.Title, *e.Title, al.Title, corpuscase.Text), fmt.Sprintf("%q", rec.Title), fmt.Sprintf("%q", *e.Title))
	}
	if !recorded {
		return // a duplicate: the rest describes the original record
	}
	if scored["from_org"] {
		w := ""
		if e.FromOrg != nil {
			w = *e.FromOrg
		}
		add("from_org", corpuscase.OneOf(rec.FromOrg, w, al.FromOrg, corpuscase.Text), fmt.Sprintf("%q", rec.FromOrg), fmt.Sprintf("%q", w))
	}
	if scored["from_group"] {
		got := ""
		if len(rec.FromGroups) > 0 {
			got = rec.FromGroups[0]
		}
		w := ""
		if e.FromGroup != nil {
			w = *e.FromGroup
		}
		add("from_group", corpuscase.OneOf(got, w, al.FromGroup, corpuscase.Text), fmt.Sprintf("%q", got), fmt.Sprintf("%q %q", w, al.FromGroup))
	}
	if scored["to_groups"] {
		used := make([]bool, len(rec.ToGroups))
		ok := true
		for _, w := range e.ToGroups {
			found := false
			for i, g := range rec.ToGroups {
				if !used[i] && corpuscase.OneOf(g, w, al.ToGroups[w], corpuscase.Group) {
					used[i], found = true, true
					break
				}
			}
			ok = ok && found
		}
		for _, u := range used {
			ok = ok && u
		}
		add("to_groups", ok, fmt.Sprintf("%q", rec.ToGroups), fmt.Sprintf("%q", e.ToGroups))
	}
	if scored["sender"] {
		ok := false
		got := "null"
		if rec.FromContact != nil {
			got = fmt.Sprintf("%q <%s>", rec.FromContact.Name, rec.FromContact.Email)
		}
		want := "null"
		if e.Sender == nil {
			ok = rec.FromContact == nil || rec.FromContact.Email == ""
		} else {
			want = "<" + e.Sender.Email + ">"
			if e.Sender.Name != nil {
				want = fmt.Sprintf("%q %s", *e.Sender.Name, want)
			}
			ok = rec.FromContact != nil && liaisond.NormalEmail(rec.FromContact.Email) == liaisond.NormalEmail(e.Sender.Email) &&
				(e.Sender.Name == nil || corpuscase.Text(rec.FromContact.Name) == corpuscase.Text(*e.Sender.Name))
		}
		add("sender", ok, got, want)
	}
	if scored["contacts"] && e.Contacts != nil {
		for _, x := range []struct {
			name      string
			got, want []string
		}{
			{"contacts.response", hContactEmails(rec.ResponseContacts), corpuscase.Emails(e.Contacts.Response)},
			{"contacts.technical", hContactEmails(rec.TechnicalContacts), corpuscase.Emails(e.Contacts.Technical)},
			{"contacts.cc", hContactEmails(rec.CcContacts), corpuscase.Emails(e.Contacts.Cc)},
		} {
			add(x.name, strings.Join(x.got, ",") == strings.Join(x.want, ","), x.got, x.want)
		}
	}
	if scored["purpose"] {
		got := rec.Purpose
		if got == "info" {
			got = "information"
		}
		w := ""
		if e.Purpose != nil {
			w = *e.Purpose
		}
		add("purpose", got == w || corpuscase.OneOf(got, w, al.Purpose, func(s string) string { return s }), rec.Purpose, fmt.Sprintf("%s %q", w, al.Purpose))
	}
	if scored["deadline"] {
		w := ""
		if e.Deadline != nil {
			w = *e.Deadline
		}
		add("deadline", rec.Deadline == w, fmt.Sprintf("%q", rec.Deadline), fmt.Sprintf("%q", w))
	}
	if scored["attachments"] {
		used := make([]bool, len(rec.Attachments))
		var missing []string
		for _, w := range e.Attachments {
			found := false
			for i, g := range rec.Attachments {
				if used[i] || strings.ToLower(g.ContentType) != strings.ToLower(w.ContentType) {
					continue
				}
				if w.Size != nil && g.Size != *w.Size || w.SHA256 != nil && g.SHA256 != *w.SHA256 {
					continue
				}
				if !(norm.NFC.String(g.Filename) == norm.NFC.String(w.Filename) ||
					w.FilenameCheck == "declared_or_safe" && corpuscase.SafeName(g.Filename)) {
					continue
				}
				used[i], found = true, true
				break
			}
			if !found && !w.Optional {
				missing = append(missing, fmt.Sprintf("%q %s %v", w.Filename, w.ContentType, hDeref(w.Size)))
			}
		}
		var extra []string
		for i, u := range used {
			if !u {
				g := rec.Attachments[i]
				extra = append(extra, fmt.Sprintf("%q %s %d %.12s", g.Filename, g.ContentType, g.Size, g.SHA256))
			}
		}
		var got []string
		for _, g := range rec.Attachments {
			got = append(got, fmt.Sprintf("%q %s %d %.12s", g.Filename, g.ContentType, g.Size, g.SHA256))
		}
		add("attachments", len(missing) == 0 && len(extra) == 0, fmt.Sprintf("%v (extra %v)", got, extra), fmt.Sprintf("missing %v", missing))
	}
	if scored["forwarded_by"] {
		got, w := "null", "null"
		if rec.ForwardedBy != nil && rec.ForwardedBy.Email != "" {
			got = liaisond.NormalEmail(rec.ForwardedBy.Email)
		}
		if e.ForwardedBy != nil {
			w = liaisond.NormalEmail(*e.ForwardedBy)
		}
		add("forwarded_by", got == w, got, w)
	}
}

func hDeref(p *int64) any {
	if p == nil {
		return "any size"
	}
	return *p
}

// hForbidden lists the acknowledgement recipients that must never get one: lists (the
// case's List-Post / List-Id), IETF-side addresses, the forwarder, no-reply sources. The
// configured coordination Cc is ours and allowed.
func hForbidden(c *hCase, rcpts []string) []string {
	forbidden := map[string]bool{}
	if c.exp.ForwardedBy != nil {
		forbidden[liaisond.NormalEmail(*c.exp.ForwardedBy)] = true
	}
	if c.exp.Delivery.Channel == "smtp" && c.exp.Delivery.MailFrom != nil && c.exp.ForwardedBy != nil {
		forbidden[liaisond.NormalEmail(*c.exp.Delivery.MailFrom)] = true
	}
	if r, err := mail.CreateReader(bytes.NewReader(c.raw)); err == nil {
		if lp := r.Header.Get("List-Post"); lp != "" {
			if i := strings.Index(strings.ToLower(lp), "mailto:"); i >= 0 {
				a := lp[i+7:]
				if j := strings.IndexAny(a, ">?"); j >= 0 {
					a = a[:j]
				}
				forbidden[liaisond.NormalEmail(a)] = true
			}
		}
		if li := r.Header.Get("List-Id"); li != "" {
			if i, j := strings.LastIndex(li, "<"), strings.LastIndex(li, ">"); i >= 0 && j > i {
				id := li[i+1 : j]
				if k := strings.Index(id, "."); k > 0 {
					forbidden[liaisond.NormalEmail(id[:k]+"@"+id[k+1:])] = true
				}
			}
		}
	}
	var bad []string
	for _, a := range corpuscase.Emails(rcpts) {
		if a == liaisond.NormalEmail(hAckCc) {
			continue
		}
		dom := a[strings.LastIndex(a, "@")+1:]
		ietfSide := dom == "ietf.org" || strings.HasSuffix(dom, ".ietf.org") || dom == "iab.org" || dom == "irtf.org"
		local := a[:max(strings.LastIndex(a, "@"), 0)]
		noreply := strings.Contains(local, "noreply") || strings.Contains(local, "no-reply") || strings.Contains(local, "mailer-daemon")
		if forbidden[a] || ietfSide || noreply {
			bad = append(bad, a)
		}
	}
	return bad
}

func hNUL(r *hRecord) string {
	fields := map[string]string{"title": r.Title, "body": r.Body, "from_org": r.FromOrg, "deadline": r.Deadline}
	for i, g := range append(append([]string{}, r.FromGroups...), r.ToGroups...) {
		fields[fmt.Sprintf("group[%d]", i)] = g
	}
	cs := append(append(append(append([]hContact{}, r.ResponseContacts...), r.TechnicalContacts...), r.CcContacts...), r.ToContacts...)
	if r.FromContact != nil {
		cs = append(cs, *r.FromContact)
	}
	if r.ForwardedBy != nil {
		cs = append(cs, *r.ForwardedBy)
	}
	for i, c := range cs {
		fields[fmt.Sprintf("contact[%d]", i)] = c.Name + c.Email
	}
	for i, a := range r.Attachments {
		fields[fmt.Sprintf("attachment[%d]", i)] = a.Filename
	}
	var bad []string
	for k, v := range fields {
		if strings.ContainsRune(v, 0) {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	return strings.Join(bad, ",")
}

// hEscapes says how a stored_as escapes the store folder, or "".
func hEscapes(realStore, storeDir, storedAs string) string {
	if storedAs == "" {
		return ""
	}
	if filepath.IsAbs(storedAs) || strings.ContainsAny(storedAs, "\\\x00") {
		return fmt.Sprintf("%q is not a relative key", storedAs)
	}
	p := filepath.Join(storeDir, storedAs)
	if rel, err := filepath.Rel(storeDir, p); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Sprintf("%q resolves to %s", storedAs, p)
	}
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		if rel, err := filepath.Rel(realStore, rp); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Sprintf("%q resolves (symlinks) to %s", storedAs, rp)
		}
	}
	return ""
}

func hDirList(dir string) string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

func hTrunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
