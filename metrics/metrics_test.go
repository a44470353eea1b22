package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestScrape(t *testing.T) {
	m := New(func() (Snapshot, error) {
		return Snapshot{RecordsByState: map[string]int{"pending": 3, "posted": 1}, OutboxDepth: 2, OutboxOldest: 90 * time.Second,
			Mails: map[[2]string]int{{"ack", "suppressed"}: 1}}, nil
	})
	m.Messages.WithLabelValues("smtp:127.0.0.1:2525", "record").Add(3)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`liaisond_messages_total{outcome="record",source="smtp:127.0.0.1:2525"} 3`,
		`liaisond_records{state="pending"} 3`,
		`liaisond_records{state="dead"} 0`,
		`liaisond_outbox_depth 2`,
		`liaisond_outbox_oldest_seconds 90`,
		`liaisond_outbox_mails{kind="ack",state="suppressed"} 1`,
		`liaisond_outbox_paused 0`,
		`liaisond_store_scrape_error 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
