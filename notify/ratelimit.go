package notify

import (
	"sync"
	"time"

	"github.com/ietf-tools/liaisond"
)

// Default caps, as in the [ack] and [outgoing] sections.
const (
	DefaultMaxPerRecipientPerDay = 10
	DefaultMaxPerHour            = 1000
)

// RateLimiter counts mail sent, in memory: at most perRecipientPerDay mails to one
// address in any 24 hours, and at most perHour mails in any hour. Past the hourly cap
// sending waits; past a recipient's cap that recipient is left out. The counts start
// from zero when the daemon starts. It is safe for concurrent use.
type RateLimiter struct {
	perRcpt, perHour int
	now              func() time.Time

	mu     sync.Mutex
	sent   []time.Time            // send times of the last hour, oldest first
	byRcpt map[string][]time.Time // send times of the last day per address, oldest first
}

// NewRateLimiter returns a limiter with the given caps (zero or less: the defaults) and
// clock (nil: time.Now).
func NewRateLimiter(perRecipientPerDay, perHour int, now func() time.Time) *RateLimiter {
	if perRecipientPerDay <= 0 {
		perRecipientPerDay = DefaultMaxPerRecipientPerDay
	}
	if perHour <= 0 {
		perHour = DefaultMaxPerHour
	}
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{perRcpt: perRecipientPerDay, perHour: perHour, now: now, byRcpt: map[string][]time.Time{}}
}

// DeferUntil returns the zero time when a mail may be sent now, or the time the hourly cap
// frees a place.
func (r *RateLimiter) DeferUntil() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.sent = prune(r.sent, now.Add(-time.Hour))
	if len(r.sent) < r.perHour {
		return time.Time{}
	}
	return r.sent[len(r.sent)-r.perHour].Add(time.Hour)
}

// RecipientFull reports whether addr had its daily share already.
func (r *RateLimiter) RecipientFull(addr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	addr = liaisond.NormalEmail(addr)
	l := prune(r.byRcpt[addr], r.now().Add(-24*time.Hour))
	if len(l) == 0 {
		delete(r.byRcpt, addr)
		return false
	}
	r.byRcpt[addr] = l
	return len(l) >= r.perRcpt
}

// Record counts one mail sent now to recipients; counted holds those that count against
// their daily cap (not the trusted ones).
func (r *RateLimiter) Record(counted []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.sent = append(prune(r.sent, now.Add(-time.Hour)), now)
	for _, a := range uniqueAddresses(counted) {
		r.byRcpt[a] = append(prune(r.byRcpt[a], now.Add(-24*time.Hour)), now)
	}
	if len(r.byRcpt) > 10000 { // forget addresses idle for a day
		for a, l := range r.byRcpt {
			if l = prune(l, now.Add(-24*time.Hour)); len(l) == 0 {
				delete(r.byRcpt, a)
			} else {
				r.byRcpt[a] = l
			}
		}
	}
}

// prune drops the times at or before since from a sorted list.
func prune(l []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(l) && !l[i].After(since) {
		i++
	}
	if i == 0 {
		return l
	}
	return append(l[:0:0], l[i:]...)
}
