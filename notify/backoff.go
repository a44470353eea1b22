package notify

import "time"

// backoffSteps are the waits after the first delivery attempts; later ones wait the last.
var backoffSteps = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// DefaultMaxAge is how long a mail is retried before the Sender gives up on it.
const DefaultMaxAge = 72 * time.Hour

// Backoff is the wait after delivery attempt n (1-based) before the next: 1m, 5m, 30m, 2h,
// then every 6h. Pass it as store.Options.Backoff, with OutboxMaxAttempts of at least 16,
// so that the Sender's three-day limit (SenderConfig.MaxAge) is what ends retrying.
func Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(backoffSteps) {
		return backoffSteps[len(backoffSteps)-1]
	}
	return backoffSteps[attempt-1]
}
