package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// TestGroupCommit queues writers behind a blocked commit and checks that they share the
// next one, and that a failing or panicking member costs the others nothing.
func TestGroupCommit(t *testing.T) {
	tests := []struct {
		name      string
		bad       map[int]string // writer → "fail" or "panic"
		sameTxAll bool
	}{
		{"all good share one commit", nil, true},
		{"one fails", map[int]string{3: "fail"}, false},
		{"one panics, two fail", map[int]string{0: "panic", 5: "fail", 9: "fail"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			ctx := context.Background()
			entered, release := make(chan struct{}), make(chan struct{})
			blocker := make(chan error, 1)
			go func() {
				blocker <- s.Update(ctx, func(tx *Tx) error {
					close(entered)
					<-release
					return nil
				})
			}()
			<-entered
			const n = 10
			txids := make([]int, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					errs[i] = s.Update(ctx, func(tx *Tx) error {
						txids[i] = tx.tx.ID()
						if err := tx.bucket(bucketMeta).Put(fmt.Appendf(nil, "k%d", i), []byte("v")); err != nil {
							return err
						}
						switch tt.bad[i] {
						case "fail":
							return errors.New("refused")
						case "panic":
							panic("bad writer")
						}
						return nil
					})
				})
			}
			for len(s.gc.reqs) < n {
				runtime.Gosched() // wait until all are queued behind the blocked commit
			}
			close(release)
			wg.Wait()
			if err := <-blocker; err != nil {
				t.Fatal(err)
			}
			_ = s.View(func(tx *Tx) error {
				for i := range n {
					got := tx.bucket(bucketMeta).Get(fmt.Appendf(nil, "k%d", i)) != nil
					if want := tt.bad[i] == ""; got != want || (errs[i] == nil) != want {
						t.Errorf("writer %d (%q): kept %v, err %v", i, tt.bad[i], got, errs[i])
					}
				}
				return nil
			})
			if tt.sameTxAll {
				for i := range n {
					if txids[i] != txids[0] {
						t.Fatalf("writers in transactions %v, want one", txids)
					}
				}
			}
		})
	}
}
