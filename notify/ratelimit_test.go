package notify

import (
	"testing"
	"time"
)

func TestRateLimiterHourly(t *testing.T) {
	c := newClock(t0)
	r := NewRateLimiter(100, 3, c.Now)
	steps := []struct {
		advance time.Duration
		send    bool
		want    time.Time // zero: may send
	}{
		{0, true, time.Time{}},
		{10 * time.Minute, true, time.Time{}},
		{10 * time.Minute, true, time.Time{}},
		{0, false, t0.Add(time.Hour)},                // three in the hour: wait for the first to age
		{39 * time.Minute, false, t0.Add(time.Hour)}, // still full
		{time.Minute, true, time.Time{}},             // 60 min after the first: a place is free
		{0, false, t0.Add(70 * time.Minute)},         // full again until the second ages
		{2 * time.Hour, false, time.Time{}},          // all aged
		{0, true, time.Time{}},
	}
	for i, s := range steps {
		c.Add(s.advance)
		got := r.DeferUntil()
		if !got.Equal(s.want) {
			t.Fatalf("step %d at %s: DeferUntil %v, want %v", i, c.Now().Sub(t0), got, s.want)
		}
		if s.send {
			r.Record(nil)
		}
	}
}

func TestRateLimiterPerRecipient(t *testing.T) {
	c := newClock(t0)
	r := NewRateLimiter(2, 0, c.Now)
	tests := []struct {
		advance time.Duration
		addr    string
		full    bool
		record  bool
	}{
		{0, "a@x.example", false, true},
		{time.Hour, "A@X.example", false, true},
		{0, "a@x.example", true, false},
		{0, "b@x.example", false, true},
		{22*time.Hour + 59*time.Minute, "a@x.example", true, false}, // the first is a minute short of a day old
		{time.Minute, "a@x.example", false, true},                   // a day old: no longer counted
		{0, "a@x.example", true, false},
	}
	for i, tt := range tests {
		c.Add(tt.advance)
		if got := r.RecipientFull(tt.addr); got != tt.full {
			t.Fatalf("step %d: RecipientFull(%s) = %v, want %v", i, tt.addr, got, tt.full)
		}
		if tt.record {
			r.Record([]string{tt.addr})
		}
	}
}

func TestRateLimiterDefaults(t *testing.T) {
	r := NewRateLimiter(0, 0, nil)
	if r.perRcpt != DefaultMaxPerRecipientPerDay || r.perHour != DefaultMaxPerHour || r.now == nil {
		t.Errorf("defaults: %d %d", r.perRcpt, r.perHour)
	}
}
