package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashRaw is the deterministic content of crash-test message mid.
func crashRaw(mid string) []byte {
	n := 1000 + int(crc(mid))%150_000
	return append(fmt.Appendf(nil, "Message-ID: <%s>\r\nSubject: %s\r\n\r\n", mid, mid), bytes.Repeat([]byte(mid[:1]), n)...)
}

func crc(s string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// TestCrashChild is the child of TestCrash: it stores and records messages from several
// writers and reports each one stored, until it is killed.
func TestCrashChild(t *testing.T) {
	path, round := os.Getenv("LIAISOND_CRASH_DB"), os.Getenv("LIAISOND_CRASH_ROUND")
	if path == "" {
		t.Skip("run by TestCrash")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	process := func(id MsgID, mid string) error {
		_, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: statement("Title "+mid, "a@x")})
		return err
	}
	un, err := s.Unfinished()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range un {
		if err := process(m.ID, m.MessageID); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				mid := fmt.Sprintf("%s.%d.%d@crash", round, w, i)
				id, err := s.PutMessage(ctx, Envelope{Source: "import:crash", MessageID: "<" + mid + ">"}, crashRaw(mid))
				if err != nil {
					panic(err)
				}
				mu.Lock()
				fmt.Printf("stored %d %s\n", id, mid)
				mu.Unlock()
				if err := process(id, mid); err != nil {
					panic(err)
				}
			}
		})
	}
	wg.Wait()
}

// TestCrash kills a writing child with SIGKILL at random moments, again and again, and
// checks after each that every message it reported stored is there, once, intact.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	rounds := 6
	if v, err := strconv.Atoi(os.Getenv("LIAISOND_CRASH_ROUNDS")); err == nil {
		rounds = v
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	reported := map[string]MsgID{}
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "LIAISOND_CRASH_DB="+path, fmt.Sprintf("LIAISOND_CRASH_ROUND=%d", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter := 1 + rand.IntN(80)
		// A child that stops printing must not hang the suite.
		watchdog := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
		sc := bufio.NewScanner(out)
		lines := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 || f[0] != "stored" {
				continue
			}
			id, _ := strconv.ParseUint(f[1], 10, 64)
			reported[f[2]] = MsgID(id)
			if lines++; lines == killAfter {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		watchdog.Stop()
		if lines < killAfter {
			t.Fatalf("round %d: child ended after %d messages", round, lines)
		}
		verifyCrash(t, path, reported)
	}
	t.Logf("%d rounds, %d messages reported stored", rounds, len(reported))
}

func verifyCrash(t *testing.T, path string, reported map[string]MsgID) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if errs := s.Check(); len(errs) != 0 {
		t.Fatalf("Check after kill: %v", errs)
	}
	msgs, err := s.Messages()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range msgs {
		count[m.MessageID]++
	}
	for mid, id := range reported {
		if count[mid] != 1 {
			t.Fatalf("message %s stored %d times", mid, count[mid])
		}
		raw, err := s.Raw(id)
		if err != nil || !bytes.Equal(raw, crashRaw(mid)) {
			t.Fatalf("message %s (id %d): %d bytes, %v", mid, id, len(raw), err)
		}
	}
	recs, err := s.Records("")
	if err != nil {
		t.Fatal(err)
	}
	un, _ := s.Unfinished()
	if len(recs)+len(un) != len(msgs) {
		t.Fatalf("%d records + %d unfinished for %d messages", len(recs), len(un), len(msgs))
	}
}
