package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchDir is where benchmark files go: $LIAISOND_BENCH_DIR, or a temporary folder.
func benchDir(b *testing.B) string {
	if d := os.Getenv("LIAISOND_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

// runWriters calls put b.N times from c goroutines and reports messages per second.
func runWriters(b *testing.B, c int, put func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := put(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
}

// BenchmarkPut200K stores 200 KB messages durably with 1 and 16 concurrent writers: the
// store's PutMessage next to, in the same run, a file per message with fsync (the
// shared bench's reference: write, fsync, rename, fsync the folder), one bbolt Update
// per message, and bbolt's Batch.
func BenchmarkPut200K(b *testing.B) {
	msg := make([]byte, 200<<10)
	_, _ = rand.Read(msg)
	ctx := context.Background()
	for _, c := range []int{1, 16} {
		b.Run(fmt.Sprintf("file-fsync/c=%d", c), func(b *testing.B) {
			dir := benchDir(b)
			for _, sub := range []string{"tmp", "new"} {
				if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
					b.Fatal(err)
				}
			}
			dirf, err := os.Open(filepath.Join(dir, "new"))
			if err != nil {
				b.Fatal(err)
			}
			defer dirf.Close()
			b.SetBytes(int64(len(msg)))
			runWriters(b, c, func(i int) error {
				name := fmt.Sprintf("%d", i)
				tmp := filepath.Join(dir, "tmp", name)
				f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return err
				}
				if _, err := f.Write(msg); err != nil {
					f.Close()
					return err
				}
				if err := f.Sync(); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
					return err
				}
				return dirf.Sync()
			})
		})
		for _, mode := range []string{"bolt-update", "bolt-batch"} {
			b.Run(fmt.Sprintf("%s/c=%d", mode, c), func(b *testing.B) {
				db, err := bolt.Open(filepath.Join(benchDir(b), "ref.db"), 0o600, &bolt.Options{Timeout: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucketRaw); return err }); err != nil {
					b.Fatal(err)
				}
				fn := func(tx *bolt.Tx) error {
					bk := tx.Bucket(bucketRaw)
					seq, _ := bk.NextSequence()
					var k [8]byte
					binary.BigEndian.PutUint64(k[:], seq)
					return bk.Put(k[:], msg)
				}
				b.SetBytes(int64(len(msg)))
				runWriters(b, c, func(int) error {
					if mode == "bolt-batch" {
						return db.Batch(fn)
					}
					return db.Update(fn)
				})
			})
		}
		b.Run(fmt.Sprintf("store/c=%d", c), func(b *testing.B) {
			s, err := Open(filepath.Join(benchDir(b), "liaisond.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetBytes(int64(len(msg)))
			runWriters(b, c, func(i int) error {
				_, err := s.PutMessage(ctx, Envelope{
					Source: "smtp:127.0.0.1:2525", From: "sender@sdo.org", To: []string{"ls-intake@example.org"},
					MessageID: fmt.Sprintf("<%d@bench.example>", i),
				}, msg)
				return err
			})
		})
	}
}
