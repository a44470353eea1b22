package notify

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ietf-tools/liaisond"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// t0 is the fixed time of the tests: Saturday 28 November 2026, 09:00 UTC.
var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable time for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// seqIDs returns a NewID that counts.
func seqIDs() func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("test%04d", n)
	}
}

func testConfig(now func() time.Time) Config {
	return Config{
		From:         liaisond.Contact{Name: "IETF Liaison Intake", Email: "ls-intake@example.org"},
		ReplyAddress: "ls-intake@example.org",
		Hostname:     "ls-intake.example.org",
		Coordinators: []string{"coordinator@example.org", "Second.Coord@Example.org"},
		AckCc:        []string{"liaison-coordination@iab.org"},
		RecordURL:    "https://ls.example.org/records/%s",
		TokenSecret:  testSecret,
		Now:          now,
		NewID:        seqIDs(),
		Gate: NewGate(GateConfig{
			Own:     []string{"ls-intake@example.org"},
			Trusted: []string{"coordinator@example.org", "second.coord@example.org", "liaison-coordination@iab.org"},
		}),
	}
}

func testComposer(t *testing.T) *Composer {
	t.Helper()
	c, err := NewComposer(testConfig(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sampleRecord is an ITU-T statement for action, forwarded by a chair.
func sampleRecord() liaisond.Record {
	chair := &liaisond.Contact{Name: "Daniele Ceccarelli", Email: "dceccare@example.net"}
	return liaisond.Record{
		ID: "LS-2026-0042",
		Statement: liaisond.Statement{
			Title:             "LS on coordination of YANG data models for beyond-100G OTN",
			OtherIdentifiers:  []string{"SG15-LS142"},
			FromOrg:           "ITU-T",
			FromGroups:        []string{"ITU-T SG15"},
			ToGroups:          []string{"IETF CCAMP WG"},
			FromContact:       &liaisond.Contact{Name: "TSB SG15", Email: "tsbsg15@itu.int"},
			ToContacts:        []liaisond.Contact{{Name: "CCAMP Chairs", Email: "ccamp-chairs@ietf.org"}},
			TechnicalContacts: []liaisond.Contact{{Name: "Taro Ishikawa", Email: "t.ishikawa@carrier.example"}, {Name: "Marta Lindgren", Email: "marta.lindgren@vendor.example"}},
			CcContacts:        []liaisond.Contact{{Email: "ccamp@ietf.org"}},
			Purpose:           liaisond.PurposeAction,
			Deadline:          "2027-01-15",
			Body:              "ITU-T SG15 thanks CCAMP for its work on OTN YANG models.\nWe ask CCAMP to review the attached draft Recommendation — and reply by the deadline.",
			Attachments: []liaisond.Attachment{{Filename: "T25-SG15-LS142.pdf", ContentType: "application/pdf", Size: 1057,
				SHA256: "6f9c6bd2f85736bb4fcb9f2d27494c34f1144341cafaf461922b1cb94d066d2b"}},
			ForwardedBy: chair,
		},
		State:    liaisond.StatePending,
		Tags:     []string{"required"},
		Problems: []string{"no response contact"},
		Related:  []string{},
		Ack:      liaisond.Ack{Send: true, To: []string{"tsbsg15@itu.int", "t.ishikawa@carrier.example", "marta.lindgren@vendor.example"}},
		Sources: []liaisond.Source{{MessageID: "GV0P278MB0512@prod.outlook.com", Source: "smtp:127.0.0.1:2525",
			Received: t0.Add(-time.Hour), EnvelopeFrom: "dceccare@example.net", ForwardedBy: chair}},
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./notify -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}
