package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

// TestMain lets a test run the binary's main in a child process (the test binary itself),
// so that serve can be sent a real SIGTERM.
func TestMain(m *testing.M) {
	if args := os.Getenv("LIAISOND_TEST_MAIN"); args != "" {
		os.Exit(runWithSignals(strings.Split(args, "\x1f")))
	}
	os.Exit(m.Run())
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// logLines follows a daemon's log: every line is kept, and sent on lines for waitLog.
type logLines struct {
	mu    sync.Mutex
	all   bytes.Buffer
	lines chan string
	done  chan struct{}
}

func followLog(r io.Reader) *logLines {
	l := &logLines{lines: make(chan string, 1000), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.all.WriteString(sc.Text() + "\n")
			l.mu.Unlock()
			select {
			case l.lines <- sc.Text():
			default:
			}
		}
		close(l.done)
	}()
	return l
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// waitLog waits for n log lines containing every one of parts: the daemon's own signal
// that it got there.
func (l *logLines) waitLog(t *testing.T, n int, parts ...string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for n > 0 {
		select {
		case line := <-l.lines:
			match := true
			for _, p := range parts {
				match = match && strings.Contains(line, p)
			}
			if match {
				n--
			}
		case <-timeout:
			t.Fatalf("timed out waiting for a log line with %q", parts)
		}
	}
}

func scrape(t *testing.T, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return ""
	}
	return string(b)
}

func nextMail(t *testing.T, relay *captureRelay, kind string) captured {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-relay.mail:
			r, err := mail.CreateReader(bytes.NewReader(m.Raw))
			if err != nil {
				t.Fatal(err)
			}
			if r.Header.Get("X-Liaisond") == kind {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s mail arrived", kind)
		}
	}
}

// TestServe runs `liaisond serve` on a generated config: a statement comes in over SMTP and
// one through IMAP, the coordinator confirms one by reply, its acknowledgement goes out,
// /metrics counts it all, and SIGTERM ends the daemon cleanly.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	relay, err := newCaptureRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	imapSrv, err := newMemIMAP("chair", "secret-pass")
	if err != nil {
		t.Fatal(err)
	}
	defer imapSrv.Close()
	os.WriteFile(filepath.Join(dir, "imap.pass"), []byte("secret-pass\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "token.key"), []byte(strings.Repeat("k", 40)+"\n"), 0o600)
	smtpAddr, httpAddr := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`[store]
path = %q
[[smtp]]
listen = %q
recipients = ["ls-intake@example.org"]
[[imap]]
name = "chair"
address = %q
tls = "none"
username = "chair"
password_file = %q
mailboxes = ["INBOX"]
[outgoing]
address = %q
tls = "none"
from = "IETF Liaison Intake <ls-intake@example.org>"
[confirm]
coordinators = ["coordinator@example.org"]
reply_address = "ls-intake@example.org"
token_secret_file = %q
[ack]
cc = ["liaison-coordination@example.org"]
[http]
listen = %q
[admin]
socket = %q
[log]
level = "info"
format = "json"
`, filepath.Join(dir, "l.db"), smtpAddr, imapSrv.addr, filepath.Join(dir, "imap.pass"), relay.addr,
		filepath.Join(dir, "token.key"), httpAddr, filepath.Join(dir, "admin.sock"))
	cfgPath := filepath.Join(dir, "liaisond.toml")
	os.WriteFile(cfgPath, []byte(cfg), 0o600)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LIAISOND_TEST_MAIN=serve\x1f--config\x1f"+cfgPath)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := followLog(stderr)
	logDone := logs.done
	defer func() {
		if t.Failed() {
			cmd.Process.Kill()
			<-logDone
			t.Logf("daemon log:\n%s", logs.String())
		}
	}()
	metricsURL := "http://" + httpAddr + "/metrics"
	logs.waitLog(t, 1, `"liaisond running"`)
	if scrape(t, "http://"+httpAddr+"/readyz") == "" {
		t.Fatal("running, but /readyz does not say ready")
	}
	logs.waitLog(t, 1, `"first contact: starting at UIDNEXT"`, `"account":"chair"`)

	// One statement through the chair's mailbox, one forwarded to the intake over SMTP.
	if err := imapSrv.add("INBOX", corpusFile(t, "001-itu-sg15-ccamp-otn-yang.eml")); err != nil {
		t.Fatal(err)
	}
	if err := sendPlain(smtpAddr, "chair@example.org", []string{"ls-intake@example.org"}, corpusFile(t, "019-fwd-gmail-itu-sg11-stir.eml")); err != nil {
		t.Fatal(err)
	}
	first := nextMail(t, relay, "confirm")
	nextMail(t, relay, "confirm")

	// The coordinator confirms the first by replying to it.
	reply, err := coordinatorReply(first.Raw, "confirm")
	if err != nil {
		t.Fatal(err)
	}
	if err := sendPlain(smtpAddr, "coordinator@example.org", replyRecipients(first.Raw), reply); err != nil {
		t.Fatal(err)
	}
	ack := nextMail(t, relay, "ack")
	r, _ := mail.CreateReader(bytes.NewReader(ack.Raw))
	subject, _ := r.Header.Subject()
	if !strings.HasPrefix(subject, "Receipt of ") || r.Header.Get("Auto-Submitted") != "auto-replied" || ack.From != "" {
		t.Errorf("ack: subject %q, Auto-Submitted %q, envelope from %q", subject, r.Header.Get("Auto-Submitted"), ack.From)
	}
	for _, to := range ack.To {
		if strings.HasSuffix(to, "@ietf.org") || to == "chair@example.org" || to == "ravi.shankar.ietf@gmail.com" {
			t.Errorf("ack sent to %s", to)
		}
	}

	// The relay has the ack; the daemon logs "mail sent" once it has recorded it as sent.
	logs.waitLog(t, 1, `"mail sent"`, `"kind":"ack"`)
	m := scrape(t, metricsURL)
	for _, want := range []string{`source="imap:chair/INBOX"`, `outcome="record"`, `liaisond_records{state="posted"} 1`,
		`liaisond_records{state="pending"} 1`, `outcome="command"`, `liaisond_outbox_mails{kind="ack",state="sent"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The CLI goes through the admin socket while the daemon holds the store.
	out, code := runCLI(t, "records", "list", "--config", cfgPath)
	if code != 0 || strings.Count(out, "LS-") != 2 || !strings.Contains(out, "posted") {
		t.Errorf("records list through the admin socket: exit %d\n%s", code, out)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-logDone
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "admin.sock")); err == nil {
		t.Error("admin socket left behind")
	}
}

func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "parse", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStartFailure: a port already taken is one clear error, and what was opened is closed
// again (the store can be opened at once).
func TestStartFailure(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	cfg, err := config.Default(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP[0].Listen = taken.Addr().String()
	_, err = startDaemon(cfg, zap.NewNop(), daemonOptions{})
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("start with a taken port: %v", err)
	}
	st, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("store left open after the failed start: %v", err)
	}
	st.Close()
	if _, err := os.Stat(cfg.Admin.Socket); err == nil {
		t.Error("admin socket left behind")
	}
}
