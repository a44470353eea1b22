// smtpbench runs liaisond's SMTP listener (package ingest) over a real store with an
// acceptor that only commits (store.PutMessage, no parsing), for bench/smtp.sh. It answers
// 250 only after the commit, as the daemon does, and prints "stored N" when it stops
// (SIGTERM or SIGINT) so that the driver can check the count, after the mean time spent in
// PutMessage on standard error. -nostore discards instead (the listener's own cost);
// -cpuprofile writes a CPU profile of the run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/store"
)

type acceptor struct {
	st     *store.Store // nil: discard (-nostore)
	stored atomic.Int64
	nanos  atomic.Int64 // time spent in PutMessage
}

func (a *acceptor) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	if a.st == nil {
		return store.MsgID(a.stored.Add(1)), nil
	}
	t0 := time.Now()
	id, err := a.st.PutMessage(ctx, env, raw)
	a.nanos.Add(int64(time.Since(t0)))
	if err == nil {
		a.stored.Add(1)
	}
	return id, err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:12540", "listen address")
	db := flag.String("db", "/var/tmp/liaison-bench-spool/liaisond.db", "store file (created)")
	maxBytes := flag.Int64("max-bytes", 64<<20, "max message size")
	verbose := flag.Bool("v", false, "log every message")
	noStore := flag.Bool("nostore", false, "discard messages instead of storing them (the listener's own cost)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	st, err := store.Open(*db, store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	lg := zap.NewNop()
	if *verbose {
		lg, _ = zap.NewDevelopment()
	}
	acc := &acceptor{st: st}
	if *noStore {
		acc.st = nil
	}
	cfg := config.SMTP{
		Listen:          *addr,
		Hostname:        "bench.localhost",
		Recipients:      []string{"statements@example.net"},
		MaxMessageBytes: config.ByteSize(*maxBytes),
		// Loopback: every smtp-source session comes from 127.0.0.1.
		MaxConnections:      256,
		MaxConnectionsPerIP: 256,
	}
	s, err := ingest.NewSMTPServer(cfg, acc, lg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	s.ShutdownTimeout = 10 * time.Second
	if err := s.ListenAndServe(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "smtpbench:", err)
	}
	if err := st.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "smtpbench:", err)
	}
	if n := acc.stored.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "smtpbench: mean PutMessage %.2f ms\n", float64(acc.nanos.Load())/float64(n)/1e6)
	}
	fmt.Printf("stored %d\n", acc.stored.Load())
}
