// Package metrics holds liaisond's Prometheus metrics: what came in and what became of it,
// the records, the outbox, and the health of each source.
//
// Other packages report through small hook functions; only this package knows Prometheus.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the daemon's collectors, registered on their own registry.
type Metrics struct {
	reg *prometheus.Registry

	// Messages counts messages processed, by source and outcome.
	Messages *prometheus.CounterVec
	// ParseFailures counts messages the parser failed on.
	ParseFailures prometheus.Counter
	// Duplicates counts messages attached to an existing record.
	Duplicates prometheus.Counter
	// SMTPConnections counts connections to the SMTP/LMTP listeners, by listener.
	SMTPConnections *prometheus.CounterVec
	// SMTPRejections counts SMTP replies refusing something, by listener and code.
	SMTPRejections *prometheus.CounterVec
	// IMAPLastSuccess is the time of the last successful poll, by account and mailbox.
	IMAPLastSuccess *prometheus.GaugeVec
	// IMAPFetched counts messages fetched, by account and mailbox.
	IMAPFetched *prometheus.CounterVec
	// IMAPErrors counts poller errors, by account and kind.
	IMAPErrors *prometheus.CounterVec
	// IMAPBackoff is the current reconnect backoff in seconds, by account.
	IMAPBackoff *prometheus.GaugeVec
}

// Snapshot is what the store says now, read when /metrics is scraped.
type Snapshot struct {
	RecordsByState map[string]int
	OutboxDepth    int
	OutboxOldest   time.Duration
	Unfinished     int
	// Mails counts the outbox's mails by kind and state (queued, sent, failed, suppressed):
	// sends, failures and suppressed automatic mails, kept across restarts by the store.
	Mails map[[2]string]int
	// Attempts counts delivery attempts made, by kind.
	Attempts map[string]int
	// Paused is true while the hourly cap holds sending back.
	Paused bool
}

// New registers liaisond's metrics. snapshot is called at each scrape for the gauges that
// describe the store; it may be nil.
func New(snapshot func() (Snapshot, error)) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.Messages = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaisond_messages_total",
		Help: "Messages taken in and processed, by source and outcome."}, []string{"source", "outcome"})
	m.ParseFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "liaisond_parse_failures_total",
		Help: "Messages the parser failed on (kept, retried, quarantined after repeated failures)."})
	m.Duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "liaisond_duplicates_total",
		Help: "Messages attached to a record that already existed."})
	m.SMTPConnections = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaisond_smtp_connections_total",
		Help: "Connections to the SMTP/LMTP listeners."}, []string{"listener"})
	m.SMTPRejections = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaisond_smtp_rejections_total",
		Help: "SMTP replies that refused something, by reply code."}, []string{"listener", "code"})
	m.IMAPLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "liaisond_imap_last_success_timestamp_seconds",
		Help: "When each mailbox was last polled successfully."}, []string{"account", "mailbox"})
	m.IMAPFetched = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaisond_imap_fetched_total",
		Help: "Messages fetched from IMAP mailboxes."}, []string{"account", "mailbox"})
	m.IMAPErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaisond_imap_errors_total",
		Help: "IMAP poller errors, by kind."}, []string{"account", "kind"})
	m.IMAPBackoff = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "liaisond_imap_backoff_seconds",
		Help: "Current reconnect backoff of each IMAP account."}, []string{"account"})
	for _, c := range []prometheus.Collector{m.Messages, m.ParseFailures, m.Duplicates, m.SMTPConnections, m.SMTPRejections, m.IMAPLastSuccess, m.IMAPFetched, m.IMAPErrors, m.IMAPBackoff,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	if snapshot != nil {
		f(&storeCollector{snapshot: snapshot})
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	recordsDesc = prometheus.NewDesc("liaisond_records", "Records by state.", []string{"state"}, nil)
	depthDesc   = prometheus.NewDesc("liaisond_outbox_depth", "Mails queued and not yet sent.", nil, nil)
	oldestDesc  = prometheus.NewDesc("liaisond_outbox_oldest_seconds", "Age of the oldest queued mail.", nil, nil)
	todoDesc    = prometheus.NewDesc("liaisond_messages_unfinished", "Messages committed and not yet processed (pending or failed).", nil, nil)
	mailsDesc   = prometheus.NewDesc("liaisond_outbox_mails", "Outgoing mails by kind and state (queued, sent, failed, suppressed).", []string{"kind", "state"}, nil)
	tryDesc     = prometheus.NewDesc("liaisond_outbox_attempts", "Delivery attempts made, by kind.", []string{"kind"}, nil)
	pausedDesc  = prometheus.NewDesc("liaisond_outbox_paused", "1 while the hourly cap holds sending back.", nil, nil)
	errDesc     = prometheus.NewDesc("liaisond_store_scrape_error", "1 when the store could not be read for this scrape.", nil, nil)
)

// storeCollector reads the store's state at scrape time.
type storeCollector struct {
	snapshot func() (Snapshot, error)
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{recordsDesc, depthDesc, oldestDesc, todoDesc, mailsDesc, tryDesc, pausedDesc, errDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s, err := c.snapshot()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(errDesc, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(errDesc, prometheus.GaugeValue, 0)
	for _, state := range []string{"pending", "posted", "dead"} {
		ch <- prometheus.MustNewConstMetric(recordsDesc, prometheus.GaugeValue, float64(s.RecordsByState[state]), state)
	}
	ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(s.OutboxDepth))
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, s.OutboxOldest.Seconds())
	ch <- prometheus.MustNewConstMetric(todoDesc, prometheus.GaugeValue, float64(s.Unfinished))
	for k, n := range s.Mails {
		ch <- prometheus.MustNewConstMetric(mailsDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for k, n := range s.Attempts {
		ch <- prometheus.MustNewConstMetric(tryDesc, prometheus.GaugeValue, float64(n), k)
	}
	paused := 0.0
	if s.Paused {
		paused = 1
	}
	ch <- prometheus.MustNewConstMetric(pausedDesc, prometheus.GaugeValue, paused)
}
