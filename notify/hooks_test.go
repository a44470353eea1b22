package notify

import (
	"strings"
	"testing"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

// TestRecordedQueues: a new record queues its confirmation request, and under the
// on-receipt policy the acknowledgement too, but only for a sender the parser trusted.
func TestRecordedQueues(t *testing.T) {
	rec := liaisond.Record{ID: "LS-2026-0001", Statement: liaisond.Statement{
		Title: "LS on X", FromGroups: []string{"ITU-T SG15"}, ToGroups: []string{"IETF CCAMP WG"},
		FromContact: &liaisond.Contact{Name: "TSB", Email: "tsbsg15@itu.int"}, Purpose: liaisond.PurposeInfo,
	}, State: liaisond.StatePending, Sources: []liaisond.Source{{MessageID: "m1@itu.int"}}}
	for _, tc := range []struct {
		name      string
		onReceipt bool
		trusted   bool
		kinds     string
	}{
		{"on-confirm", false, true, "confirm"},
		{"on-receipt, trusted sender", true, true, "confirm ack"},
		{"on-receipt, sender not trusted", true, false, "confirm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock(t0)
			cfg := testConfig(c.Now)
			cfg.AckOnReceipt = tc.onReceipt
			comp, err := NewComposer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			h := Hooks{Composer: comp, Policy: Policy{AckOnReceipt: tc.onReceipt}}
			r := rec
			r.Ack = liaisond.Ack{Send: true, To: []string{"tsbsg15@itu.int"}, OnReceipt: tc.trusted}
			mails, err := h.Recorded(r, &parse.Result{}, store.Message{MessageID: "m1@itu.int"})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, m := range mails {
				kinds = append(kinds, string(m.Kind))
			}
			if got := strings.Join(kinds, " "); got != tc.kinds {
				t.Errorf("queued %q, want %q", got, tc.kinds)
			}
		})
	}
}
