package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-smtp"
	"go.uber.org/zap/zaptest"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

// storeAcceptor is the acceptor of the SMTP tests: the real store, no parsing.
type storeAcceptor struct {
	st    *store.Store
	calls atomic.Int64
}

func (a *storeAcceptor) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	a.calls.Add(1)
	return a.st.PutMessage(ctx, env, raw)
}

// acceptFunc adapts a function to Acceptor.
type acceptFunc func(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error)

func (f acceptFunc) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	return f(ctx, env, raw)
}

func smtpTestStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "smtp.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func smtpTestConfig() config.SMTP {
	return config.SMTP{
		Listen:              "127.0.0.1:0",
		Hostname:            "intake.test",
		Recipients:          []string{"ls-intake@example.org", "statements@ietf.example"},
		Domains:             []string{"liaisons.example.net"},
		MaxConnections:      100,
		MaxConnectionsPerIP: 100,
		TrustedAuthservID:   "mx.example.org",
	}
}

type testServer struct {
	*SMTPServer
	addr string
	done chan error // Serve's result
	// hardStopped: the test made Shutdown run out of time; cleanup expects that error.
	hardStopped bool
}

// startSMTP serves cfg on a free loopback port; the server is shut down at cleanup.
func startSMTP(t *testing.T, cfg config.SMTP, acc Acceptor) *testServer {
	t.Helper()
	s, err := NewSMTPServer(cfg, acc, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{SMTPServer: s, addr: l.Addr().String(), done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(context.Background(), l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil && !ts.hardStopped {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-ts.done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ts
}

func dialSMTP(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	return c
}

// send runs one transaction on c and returns the DATA reply's error.
func send(c *smtp.Client, from string, to []string, msg string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	return w.Close()
}

func testMessage(mid, body string) string {
	return "From: Liaison Officer <lo@itu.example>\r\nTo: ls-intake@example.org\r\n" +
		"Subject: LS on things\r\nMessage-ID: <" + mid + ">\r\n\r\n" + body + "\r\n"
}

func wantSMTPError(t *testing.T, err error, code int, enh smtp.EnhancedCode) *smtp.SMTPError {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("got %v (%T), want SMTP error %d", err, err, code)
	}
	if se.Code != code || se.EnhancedCode != enh {
		t.Fatalf("got %d %v %q, want %d %v", se.Code, se.EnhancedCode, se.Message, code, enh)
	}
	return se
}

func messages(t *testing.T, st *store.Store) []store.Message {
	t.Helper()
	list, err := st.Messages()
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// splitTrace returns the Received field the listener prepended and the rest.
func splitTrace(t *testing.T, raw []byte) (string, []byte) {
	t.Helper()
	if !bytes.HasPrefix(raw, []byte("Received: from ")) {
		t.Fatalf("stored copy does not start with our Received field: %q", raw[:min(len(raw), 80)])
	}
	i := 0
	for {
		nl := bytes.IndexByte(raw[i:], '\n')
		if nl < 0 {
			t.Fatalf("no end of Received field in %q", raw)
		}
		i += nl + 1
		if i >= len(raw) || (raw[i] != ' ' && raw[i] != '\t') {
			return string(raw[:i]), raw[i:]
		}
	}
}

func TestSMTPDeliverStoresExactBytesWithTrace(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	c := dialSMTP(t, ts.addr)
	msg := testMessage("ls-1@itu.example", "Body line\r\n.leading dot\r\n\r\nlast")
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, msg); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	list := messages(t, st)
	if len(list) != 1 {
		t.Fatalf("%d messages stored, want 1", len(list))
	}
	m := list[0]
	if m.Source != "smtp:"+ts.addr || m.EnvelopeFrom != "lo@itu.example" ||
		strings.Join(m.Recipients, ",") != "ls-intake@example.org" || m.MessageID != "ls-1@itu.example" {
		t.Errorf("envelope = %+v", m)
	}
	raw, err := st.Raw(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	trace, rest := splitTrace(t, raw)
	if string(rest) != msg {
		t.Errorf("stored message differs from the one sent:\n got %q\nwant %q", rest, msg)
	}
	for _, want := range []string{
		"Received: from client.test ([127.0.0.1])\r\n\tby intake.test (liaisond) with ESMTP id ",
		"\r\n\tfor <ls-intake@example.org>;\r\n\t",
	} {
		if !strings.Contains(trace, want) {
			t.Errorf("Received field %q lacks %q", trace, want)
		}
	}
	date := trace[strings.LastIndex(trace, "\t")+1 : len(trace)-2]
	if _, err := time.Parse(time.RFC1123Z, date); err != nil {
		t.Errorf("Received date %q: %v", date, err)
	}
}

func TestSMTPRecipients(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	c := dialSMTP(t, ts.addr)
	if err := c.Mail("lo@itu.example", nil); err != nil {
		t.Fatal(err)
	}
	for _, rcpt := range []string{
		"ls-intake@example.org", "LS-Intake@Example.ORG", "ls-intake+c-abc123@example.org",
		"ls-intake@liaisons.example.net", "statements+x+y@ietf.example", "statements@liaisons.example.net",
	} {
		if err := c.Rcpt(rcpt, nil); err != nil {
			t.Errorf("RCPT %s: %v", rcpt, err)
		}
	}
	for _, rcpt := range []string{
		"other@example.org", "ls-intakex@example.org", "ls-intake@evil.example", "+ls-intake@example.org",
		"statements@example.org", "ls-intake@example.org.evil.example", "postmaster@example.org",
	} {
		err := c.Rcpt(rcpt, nil)
		if err == nil {
			t.Errorf("RCPT %s accepted: open relay", rcpt)
			continue
		}
		wantSMTPError(t, err, 550, smtp.EnhancedCode{5, 1, 1})
	}
}

func TestSMTPOversizeStoresNothing(t *testing.T) {
	st := smtpTestStore(t)
	acc := &storeAcceptor{st: st}
	cfg := smtpTestConfig()
	cfg.MaxMessageBytes = 2000
	ts := startSMTP(t, cfg, acc)
	c := dialSMTP(t, ts.addr)
	if size, ok := c.MaxMessageSize(); !ok || size != 2000 {
		t.Errorf("SIZE advertised: %d %v", size, ok)
	}
	big := testMessage("big@itu.example", strings.Repeat("0123456789abcdef\r\n", 1000))
	err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, big)
	wantSMTPError(t, err, 552, smtp.EnhancedCode{5, 3, 4})
	if n := len(messages(t, st)); n != 0 || acc.calls.Load() != 0 {
		t.Fatalf("%d messages stored (%d Accept calls) after 552", n, acc.calls.Load())
	}
	// A SIZE announced at MAIL is refused at once.
	err = c.Mail("lo@itu.example", &smtp.MailOptions{Size: 5000})
	wantSMTPError(t, err, 552, smtp.EnhancedCode{5, 3, 4})
	// The connection stays in step: the next message goes through.
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("small@itu.example", "ok")); err != nil {
		t.Fatal(err)
	}
	if list := messages(t, st); len(list) != 1 || list[0].MessageID != "small@itu.example" {
		t.Fatalf("stored %+v", list)
	}
}

func TestSMTPNullSender(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	c := dialSMTP(t, ts.addr)
	if err := send(c, "", []string{"ls-intake@example.org"}, testMessage("bounce@mx.example", "bounce")); err != nil {
		t.Fatal(err)
	}
	list := messages(t, st)
	if len(list) != 1 || list[0].EnvelopeFrom != "" {
		t.Fatalf("stored %+v", list)
	}
}

// rawConn is a line-level SMTP client for what go-smtp's client cannot do.
type rawConn struct {
	net.Conn
	r *textproto.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{Conn: c, r: textproto.NewReader(bufio.NewReader(c))}
}

// expect reads one (possibly multi-line) reply and checks its code.
func (rc *rawConn) expect(t *testing.T, code int) string {
	t.Helper()
	got, msg, err := rc.r.ReadResponse(code)
	if err != nil {
		t.Fatalf("want %d, got %d %q: %v", code, got, msg, err)
	}
	return msg
}

func (rc *rawConn) write(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(rc, s); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPPipelining(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	rc := dialRaw(t, ts.addr)
	rc.expect(t, 220)
	rc.write(t, "EHLO client.test\r\n")
	if caps := rc.expect(t, 250); !strings.Contains(caps, "PIPELINING") || !strings.Contains(caps, "8BITMIME") ||
		!strings.Contains(caps, "SMTPUTF8") {
		t.Errorf("EHLO reply %q lacks PIPELINING, 8BITMIME or SMTPUTF8", caps)
	}
	// Two transactions, each sent as one group of commands.
	rc.write(t, "MAIL FROM:<a@itu.example>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<ls-intake@example.org>\r\nDATA\r\n")
	rc.expect(t, 250)
	rc.expect(t, 550)
	rc.expect(t, 250)
	rc.expect(t, 354)
	rc.write(t, testMessage("p1@itu.example", "one")+".\r\nMAIL FROM:<>\r\nRCPT TO:<ls-intake+x@example.org>\r\nDATA\r\n")
	rc.expect(t, 250)
	rc.expect(t, 250)
	rc.expect(t, 250)
	rc.expect(t, 354)
	rc.write(t, testMessage("p2@itu.example", "two")+".\r\nQUIT\r\n")
	rc.expect(t, 250)
	rc.expect(t, 221)
	list := messages(t, st)
	if len(list) != 2 || list[0].MessageID != "p1@itu.example" || list[1].MessageID != "p2@itu.example" {
		t.Fatalf("stored %+v", list)
	}
}

func TestSMTPManyConcurrentClients(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c, err := smtp.Dial(ts.addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			msg := testMessage(fmt.Sprintf("c%d@itu.example", i), strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 200))
			if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, msg); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				return
			}
			errs <- c.Quit()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	seen := map[string]bool{}
	for _, m := range messages(t, st) {
		seen[m.MessageID] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct messages stored, want %d", len(seen), n)
	}
}

func TestSMTPDisconnectMidDataStoresNothing(t *testing.T) {
	st := smtpTestStore(t)
	acc := &storeAcceptor{st: st}
	ts := startSMTP(t, smtpTestConfig(), acc)
	rc := dialRaw(t, ts.addr)
	rc.expect(t, 220)
	rc.write(t, "EHLO client.test\r\n")
	rc.expect(t, 250)
	rc.write(t, "MAIL FROM:<a@itu.example>\r\nRCPT TO:<ls-intake@example.org>\r\nDATA\r\n")
	rc.expect(t, 250)
	rc.expect(t, 250)
	rc.expect(t, 354)
	rc.write(t, "Subject: half\r\nMessage-ID: <half@itu.example>\r\n\r\nthe first half of")
	rc.Close()
	// Shutdown waits for every connection, so the aborted transfer has ended after it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, st)); n != 0 || acc.calls.Load() != 0 {
		t.Fatalf("%d messages stored (%d Accept calls) from an aborted transfer", n, acc.calls.Load())
	}
}

func TestSMTPAcceptFailureIs451(t *testing.T) {
	acc := acceptFunc(func(context.Context, store.Envelope, []byte) (store.MsgID, error) {
		return 0, errors.New("commit: no space left on device")
	})
	ts := startSMTP(t, smtpTestConfig(), acc)
	c := dialSMTP(t, ts.addr)
	err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("f@itu.example", "x"))
	se := wantSMTPError(t, err, 451, smtp.EnhancedCode{4, 3, 0})
	if !se.Temporary() {
		t.Error("451 is not temporary for the client")
	}
	if strings.Contains(se.Message, "no space") {
		t.Errorf("reply %q leaks the internal error", se.Message)
	}
}

func TestSMTPLMTPPerRecipientStatus(t *testing.T) {
	st := smtpTestStore(t)
	fail := atomic.Bool{}
	acc := &storeAcceptor{st: st}
	cfg := smtpTestConfig()
	cfg.LMTP = true
	ts := startSMTP(t, cfg, acceptFunc(func(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
		if fail.Load() {
			return 0, errors.New("store closed")
		}
		return acc.Accept(ctx, env, raw)
	}))
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("mta.test"); err != nil {
		t.Fatal(err)
	}
	transaction := func(mid string) (map[string]*smtp.DataResponse, error) {
		t.Helper()
		if err := c.Mail("lo@itu.example", nil); err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{"ls-intake@example.org", "statements@ietf.example"} {
			if err := c.Rcpt(r, nil); err != nil {
				t.Fatal(err)
			}
		}
		wantSMTPError(t, c.Rcpt("stranger@example.org", nil), 550, smtp.EnhancedCode{5, 1, 1})
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, testMessage(mid, "lmtp"))
		return w.CloseWithLMTPResponse()
	}
	resp, err := transaction("l1@itu.example")
	if err != nil || len(resp) != 2 {
		t.Fatalf("statuses %v, %v; want 2 successes", resp, err)
	}
	list := messages(t, st)
	if len(list) != 1 || strings.Join(list[0].Recipients, ",") != "ls-intake@example.org,statements@ietf.example" {
		t.Fatalf("stored %+v, want one copy for both recipients", list)
	}
	raw, _ := st.Raw(list[0].ID)
	if trace, _ := splitTrace(t, raw); !strings.Contains(trace, " with LMTP id ") || strings.Contains(trace, "\tfor <") {
		t.Errorf("Received field %q", trace)
	}

	fail.Store(true)
	resp, err = transaction("l2@itu.example")
	var lerr smtp.LMTPDataError
	if !errors.As(err, &lerr) || len(lerr) != 2 || len(resp) != 0 {
		t.Fatalf("statuses %v, %v; want 2 failures", resp, err)
	}
	for rcpt, se := range lerr {
		if se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
			t.Errorf("%s: %d %v", rcpt, se.Code, se.EnhancedCode)
		}
	}
}

func TestSMTPLMTPUnixSocket(t *testing.T) {
	st := smtpTestStore(t)
	cfg := smtpTestConfig()
	cfg.LMTP = true
	dir, err := os.MkdirTemp("", "lmtp") // t.TempDir can exceed a socket path's 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg.Listen = filepath.Join(dir, "lmtp.sock")
	s, err := NewSMTPServer(cfg, &storeAcceptor{st: st}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	// A stale socket file from a crashed run is replaced.
	stale, err := net.Listen("unix", cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	l, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	conn, err := net.Dial("unix", cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	if err := c.Hello("postfix.test"); err != nil {
		t.Fatal(err)
	}
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("u@itu.example", "unix")); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	cancel() // Serve shuts down gracefully when its context ends
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	list := messages(t, st)
	if len(list) != 1 || list[0].Source != "smtp:"+cfg.Listen {
		t.Fatalf("stored %+v", list)
	}
	raw, _ := st.Raw(list[0].ID)
	if trace, _ := splitTrace(t, raw); !strings.HasPrefix(trace, "Received: from postfix.test\r\n\tby intake.test (liaisond) with LMTP id ") {
		t.Errorf("Received field %q", trace)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "intake.test"},
		DNSNames:     []string{"intake.test", "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestSMTPStartTLS(t *testing.T) {
	st := smtpTestStore(t)
	cfg := smtpTestConfig()
	var pool *x509.CertPool
	cfg.TLSCert, cfg.TLSKey, pool = selfSigned(t, t.TempDir())
	ts := startSMTP(t, cfg, &storeAcceptor{st: st})

	plain := dialSMTP(t, ts.addr)
	if ok, _ := plain.Extension("STARTTLS"); !ok {
		t.Error("STARTTLS not advertised")
	}
	plain.Quit()

	c, err := smtp.DialStartTLS(ts.addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised again inside TLS")
	}
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("tls@itu.example", "secret")); err != nil {
		t.Fatal(err)
	}
	list := messages(t, st)
	if len(list) != 1 {
		t.Fatalf("stored %+v", list)
	}
	raw, _ := st.Raw(list[0].ID)
	trace, _ := splitTrace(t, raw)
	if !strings.Contains(trace, " with ESMTPS id ") || !strings.Contains(trace, "(using TLS 1.3 with cipher TLS_") {
		t.Errorf("Received field %q does not record TLS", trace)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	st := smtpTestStore(t)
	cfg := smtpTestConfig()
	var pool *x509.CertPool
	cfg.TLSCert, cfg.TLSKey, pool = selfSigned(t, t.TempDir())
	cfg.ImplicitTLS = true
	cfg.MaxCommands = 4 // EHLO, MAIL, RCPT, DATA: the handshake does not count
	ts := startSMTP(t, cfg, &storeAcceptor{st: st})
	c, err := smtp.DialTLS(ts.addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS advertised on implicit TLS")
	}
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("tls465@itu.example", "x")); err != nil {
		t.Fatal(err)
	}
	// The fifth command is one too many; the 421 travels inside TLS.
	wantSMTPError(t, c.Noop(), 421, smtp.EnhancedCode{4, 7, 0})
	raw, _ := st.Raw(messages(t, st)[0].ID)
	if trace, _ := splitTrace(t, raw); !strings.Contains(trace, " with ESMTPS id ") {
		t.Errorf("Received field %q", trace)
	}
}

func TestSMTPConnectionLimits(t *testing.T) {
	t.Run("per address", func(t *testing.T) {
		cfg := smtpTestConfig()
		cfg.MaxConnections = 10
		cfg.MaxConnectionsPerIP = 2
		ts := startSMTP(t, cfg, &storeAcceptor{st: smtpTestStore(t)})
		a, b := dialRaw(t, ts.addr), dialRaw(t, ts.addr)
		a.expect(t, 220)
		b.expect(t, 220)
		c := dialRaw(t, ts.addr) // a third from the same address
		if msg := c.expect(t, 421); !strings.HasPrefix(msg, "4.7.0 Too many connections from your address") {
			t.Errorf("421 text %q", msg)
		}
		if _, err := c.r.ReadLine(); err != io.EOF {
			t.Errorf("refused connection not closed: %v", err)
		}
		// When one closes (QUIT, then the server's close), there is room again.
		a.write(t, "QUIT\r\n")
		a.expect(t, 221)
		if _, err := a.r.ReadLine(); err != io.EOF {
			t.Fatalf("after QUIT: %v", err)
		}
		d := dialRaw(t, ts.addr)
		d.expect(t, 220)
	})
	t.Run("overall", func(t *testing.T) {
		cfg := smtpTestConfig()
		cfg.MaxConnections = 2
		cfg.MaxConnectionsPerIP = 0
		ts := startSMTP(t, cfg, &storeAcceptor{st: smtpTestStore(t)})
		a, b := dialRaw(t, ts.addr), dialRaw(t, ts.addr)
		a.expect(t, 220)
		b.expect(t, 220)
		c := dialRaw(t, ts.addr)
		if msg := c.expect(t, 421); msg != "4.7.0 Too many connections, try again later" {
			t.Errorf("421 text %q", msg)
		}
	})
}

func TestSMTPCommandLimit(t *testing.T) {
	cfg := smtpTestConfig()
	cfg.MaxCommands = 5
	ts := startSMTP(t, cfg, &storeAcceptor{st: smtpTestStore(t)})
	rc := dialRaw(t, ts.addr)
	rc.expect(t, 220)
	rc.write(t, "EHLO client.test\r\n")
	rc.expect(t, 250)
	for range 4 {
		rc.write(t, "NOOP\r\n")
		rc.expect(t, 250)
	}
	rc.write(t, "NOOP\r\n")
	if msg := rc.expect(t, 421); !strings.HasPrefix(msg, "4.7.0 Too many commands") {
		t.Errorf("421 text %q", msg)
	}
	if _, err := rc.r.ReadLine(); err != io.EOF {
		t.Errorf("connection not closed: %v", err)
	}
}

func TestSMTPMaxRecipients(t *testing.T) {
	cfg := smtpTestConfig()
	cfg.MaxRecipients = 2
	ts := startSMTP(t, cfg, &storeAcceptor{st: smtpTestStore(t)})
	c := dialSMTP(t, ts.addr)
	c.Mail("lo@itu.example", nil)
	c.Rcpt("ls-intake@example.org", nil)
	c.Rcpt("statements@ietf.example", nil)
	wantSMTPError(t, c.Rcpt("ls-intake+2@example.org", nil), 452, smtp.EnhancedCode{4, 5, 3})
}

func TestSMTPLineTooLong(t *testing.T) {
	st := smtpTestStore(t)
	cfg := smtpTestConfig()
	cfg.MaxLineLength = 1000
	ts := startSMTP(t, cfg, &storeAcceptor{st: st})
	c := dialSMTP(t, ts.addr)
	err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("long@itu.example", strings.Repeat("y", 3000)))
	wantSMTPError(t, err, 554, smtp.EnhancedCode{5, 6, 0})
	if n := len(messages(t, st)); n != 0 {
		t.Fatalf("%d messages stored", n)
	}
}

func TestSMTPMailLoop(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	c := dialSMTP(t, ts.addr)
	msg := strings.Repeat("Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n", maxReceivedFields+1) + testMessage("loop@itu.example", "x")
	wantSMTPError(t, send(c, "lo@itu.example", []string{"ls-intake@example.org"}, msg), 554, smtp.EnhancedCode{5, 4, 6})
	if n := len(messages(t, st)); n != 0 {
		t.Fatalf("%d messages stored", n)
	}
}

func TestSMTPUTF8(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	c := dialSMTP(t, ts.addr)
	if err := c.Mail("jörg@itu.example", &smtp.MailOptions{UTF8: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("ls-intake@example.org", nil); err != nil {
		t.Fatal(err)
	}
	w, _ := c.Data()
	msg := "From: Jörg <jörg@itu.example>\r\nSubject: Überprüfung\r\nMessage-ID: <u8@itu.example>\r\n\r\n8-bit body: \xe2\x82\xac\r\n"
	io.WriteString(w, msg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	list := messages(t, st)
	if len(list) != 1 || list[0].EnvelopeFrom != "jörg@itu.example" {
		t.Fatalf("stored %+v", list)
	}
	raw, _ := st.Raw(list[0].ID)
	trace, rest := splitTrace(t, raw)
	if !strings.Contains(trace, " with UTF8SMTP id ") || string(rest) != msg {
		t.Errorf("stored %q", raw)
	}
}

func TestSMTPAuthenticationResults(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st}) // trusts mx.example.org
	c := dialSMTP(t, ts.addr)
	keep1 := "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=itu.example\r\n"
	keep2 := "authentication-results :\r\n\t\"MX.Example.ORG\" (quoted, folded); dkim=pass\r\n"
	drop1 := "Authentication-Results: evil.example; dmarc=pass\r\n"
	drop2 := "Authentication-Results: (forged) mx.example.org.evil.example;\r\n dkim=pass header.d=itu.example\r\n"
	rest := "Subject: A-R\r\nMessage-ID: <ar@itu.example>\r\n\r\n" +
		"Authentication-Results: evil.example; in the body, kept\r\n"
	msg := drop1 + keep1 + drop2 + keep2 + rest
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, msg); err != nil {
		t.Fatal(err)
	}
	raw, _ := st.Raw(messages(t, st)[0].ID)
	_, got := splitTrace(t, raw)
	if want := keep1 + keep2 + rest; string(got) != want {
		t.Errorf("stored\n%q\nwant\n%q", got, want)
	}
}

func TestFinishMessage(t *testing.T) {
	const trace = "Received: from x\r\n\tby y; date\r\n"
	for _, tc := range []struct {
		name, trusted, in, want string
		shared                  bool
	}{
		{"plain", "mx", "Subject: a\r\n\r\nbody\r\n", trace + "Subject: a\r\n\r\nbody\r\n", true},
		{"bare LF", "mx", "Subject: a\n\nbody\n", "Received: from x\n\tby y; date\nSubject: a\n\nbody\n", true},
		{"no body", "mx", "Subject: a\r\nAuthentication-Results: z; none\r\n", trace + "Subject: a\r\n", false},
		{"no header", "mx", "\r\nAuthentication-Results: z; none\r\n", trace + "\r\nAuthentication-Results: z; none\r\n", true},
		{"trust none", "", "Authentication-Results: mx; spf=pass\r\nSubject: a\r\n\r\nb", trace + "Subject: a\r\n\r\nb", false},
		{"last field folded", "mx", "Subject: a\r\nAuthentication-Results: other;\r\n\tspf=fail\r\n\r\nb", trace + "Subject: a\r\n\r\nb", false},
		{"no authserv-id", "mx", "Authentication-Results: ;\r\n\r\n", trace + "\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := append(make([]byte, len(trace)), tc.in...)
			out, _ := finishMessage(buf, len(trace), trace, tc.trusted)
			if string(out) != tc.want {
				t.Errorf("got  %q\nwant %q", out, tc.want)
			}
			if shared := &out[len(out)-1] == &buf[len(buf)-1]; shared != tc.shared {
				t.Errorf("shares the read buffer: %v, want %v", shared, tc.shared)
			}
		})
	}
}

func TestSMTPShutdownFinishesInFlight(t *testing.T) {
	st := smtpTestStore(t)
	entered, release := make(chan struct{}), make(chan struct{})
	acc := acceptFunc(func(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
		close(entered)
		<-release
		return st.PutMessage(ctx, env, raw)
	})
	ts := startSMTP(t, smtpTestConfig(), acc)

	idle := dialRaw(t, ts.addr)
	idle.expect(t, 220)
	idle.write(t, "EHLO idle.test\r\n")
	idle.expect(t, 250)

	busy := dialSMTP(t, ts.addr)
	sent := make(chan error, 1)
	go func() {
		sent <- send(busy, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("sd@itu.example", "x"))
	}()
	<-entered

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- ts.Shutdown(ctx)
	}()
	// The idle connection is told at once; new connections are not taken.
	if msg := idle.expect(t, 421); !strings.HasPrefix(msg, "4.3.2 ") {
		t.Errorf("idle connection got 421 %q", msg)
	}
	idle.Close()
	if c, err := net.Dial("tcp", ts.addr); err == nil {
		rc := &rawConn{Conn: c, r: textproto.NewReader(bufio.NewReader(c))}
		rc.expect(t, 421)
		c.Close()
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a transaction in flight", err)
	default:
	}
	close(release)
	if err := <-sent; err != nil {
		t.Fatalf("in-flight message: %v", err)
	}
	busy.Close()
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, st)); n != 1 {
		t.Fatalf("%d messages stored, want 1", n)
	}
}

func TestSMTPShutdownDeadlineAnswers451(t *testing.T) {
	entered := make(chan struct{})
	acc := acceptFunc(func(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
		close(entered)
		<-ctx.Done() // a store that does not come back
		return 0, ctx.Err()
	})
	ts := startSMTP(t, smtpTestConfig(), acc)
	c := dialSMTP(t, ts.addr)
	sent := make(chan error, 1)
	go func() {
		sent <- send(c, "lo@itu.example", []string{"ls-intake@example.org"}, testMessage("dl@itu.example", "x"))
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ts.hardStopped = true
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want deadline exceeded", err)
	}
	wantSMTPError(t, <-sent, 451, smtp.EnhancedCode{4, 3, 0})
}

func TestReadMessageChunks(t *testing.T) {
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 5} {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte('a' + i%26)
		}
		for name, r := range map[string]io.Reader{
			"whole": bytes.NewReader(msg),
			"bytes": iotest.OneByteReader(bytes.NewReader(msg)),
			"half":  iotest.HalfReader(bytes.NewReader(msg)),
		} {
			got, err := readMessage(r, 7)
			if err != nil || len(got) != 7+size || !bytes.Equal(got[7:], msg) {
				t.Errorf("size %d, %s reads: %d bytes, %v", size, name, len(got), err)
			}
		}
	}
	r := io.MultiReader(bytes.NewReader(make([]byte, chunkSize+10)), iotest.ErrReader(smtp.ErrDataTooLarge))
	if got, err := readMessage(r, 0); got != nil || err != smtp.ErrDataTooLarge {
		t.Errorf("got %d bytes, %v; want the reader's error and nothing", len(got), err)
	}
}

func TestSMTPChunking(t *testing.T) {
	st := smtpTestStore(t)
	ts := startSMTP(t, smtpTestConfig(), &storeAcceptor{st: st})
	rc := dialRaw(t, ts.addr)
	rc.expect(t, 220)
	rc.write(t, "EHLO client.test\r\n")
	if caps := rc.expect(t, 250); !strings.Contains(caps, "CHUNKING") {
		t.Fatalf("EHLO reply %q", caps)
	}
	msg := testMessage("bdat@itu.example", "binary-ish\r\n.not stuffed")
	half := len(msg) / 2
	rc.write(t, "MAIL FROM:<a@itu.example>\r\nRCPT TO:<ls-intake@example.org>\r\n")
	rc.expect(t, 250)
	rc.expect(t, 250)
	rc.write(t, fmt.Sprintf("BDAT %d\r\n%s", half, msg[:half]))
	rc.expect(t, 250)
	rc.write(t, fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg)-half, msg[half:]))
	rc.expect(t, 250)
	list := messages(t, st)
	if len(list) != 1 {
		t.Fatalf("stored %+v", list)
	}
	raw, _ := st.Raw(list[0].ID)
	if _, rest := splitTrace(t, raw); string(rest) != msg {
		t.Errorf("stored %q", rest)
	}
}

// TestSMTPImplicitTLSShutdownDuringHandshake: a client on the implicit-TLS port that has
// not finished its handshake does not hold up a shutdown (the 421 would have to wait for
// the handshake it interrupts).
func TestSMTPImplicitTLSShutdownDuringHandshake(t *testing.T) {
	cfg := smtpTestConfig()
	cfg.TLSCert, cfg.TLSKey, _ = selfSigned(t, t.TempDir())
	cfg.ImplicitTLS = true
	ts := startSMTP(t, cfg, &storeAcceptor{st: smtpTestStore(t)})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for { // wait until the server holds the connection, its handshake waiting for us
		ts.mu.Lock()
		n := len(ts.conns)
		ts.mu.Unlock()
		if n == 1 {
			break
		}
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
