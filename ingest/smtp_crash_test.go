package ingest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/emersion/go-smtp"
	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/store"
)

const smtpCrashEnv = "LIAISOND_SMTP_CRASH_DB"

// TestSMTPCrashChild is the server half of TestSMTPKill9AfterAck: run as a child process,
// it serves SMTP on a free port over the store named in the environment, prints the
// address, and runs until it is killed.
func TestSMTPCrashChild(t *testing.T) {
	path := os.Getenv(smtpCrashEnv)
	if path == "" {
		t.Skip("run by TestSMTPKill9AfterAck")
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSMTPServer(smtpTestConfig(), &storeAcceptor{st: st}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("listening %s\n", l.Addr())
	t.Fatal(s.Serve(context.Background(), l)) // never returns: the parent kills us
}

// TestSMTPKill9AfterAck kills the server with SIGKILL right after it answered 250 and
// finds the message in the store afterwards: 250 means committed.
func TestSMTPKill9AfterAck(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSMTPCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), smtpCrashEnv+"="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	sc := bufio.NewScanner(out)
	addr := ""
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatalf("child did not start: %v", sc.Err())
	}

	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	msg := testMessage("kill9@itu.example", strings.Repeat("durable line\r\n", 5000))
	if err := send(c, "lo@itu.example", []string{"ls-intake@example.org"}, msg); err != nil {
		t.Fatalf("no 250: %v", err)
	}
	// 250 is in: kill the server before it can do anything else.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = true
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not by SIGKILL", err)
	}

	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.Messages()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].MessageID != "kill9@itu.example" {
		t.Fatalf("after kill -9 the store holds %+v", list)
	}
	raw, err := st.Raw(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, rest := splitTrace(t, raw); string(rest) != msg {
		t.Fatal("stored bytes differ from the message acknowledged")
	}
}
