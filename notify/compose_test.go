package notify

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

func TestComposeGolden(t *testing.T) {
	posted := sampleRecord()
	posted.State = liaisond.StatePosted
	info := sampleRecord()
	info.Purpose, info.Deadline, info.Problems, info.Attachments = liaisond.PurposeInfo, "", nil, nil
	tests := []struct {
		name    string
		compose func(c *Composer) (Mail, error)
	}{
		{"confirm.eml", func(c *Composer) (Mail, error) { return c.Confirm(sampleRecord()) }},
		{"confirm-info.eml", func(c *Composer) (Mail, error) { return c.Confirm(info) }},
		{"ack-action.eml", func(c *Composer) (Mail, error) {
			return c.Ack(posted, "GV0P278MB0512@prod.outlook.com", []string{"<older@itu.int>"})
		}},
		{"ack-info.eml", func(c *Composer) (Mail, error) { return c.Ack(info, "<info@itu.int>", nil) }},
		{"forwarder.eml", func(c *Composer) (Mail, error) { return c.ForwarderNote(posted, *posted.ForwardedBy) }},
		{"reminder.eml", func(c *Composer) (Mail, error) {
			return c.Reminder(posted, time.Date(2027, 1, 8, 6, 0, 0, 0, time.UTC))
		}},
		{"reminder-overdue.eml", func(c *Composer) (Mail, error) {
			return c.Reminder(posted, time.Date(2027, 1, 18, 6, 0, 0, 0, time.UTC))
		}},
		{"reply.eml", func(c *Composer) (Mail, error) {
			return c.CommandReply(&posted, "coordinator@example.org", "LS-2026-0042 is confirmed and posted.", "<reply-1@example.org>")
		}},
		{"reply-private.eml", func(c *Composer) (Mail, error) {
			return c.CommandReply(nil, "stranger@example.com", "Only the liaison coordinators can answer.", "reply-2@example.com")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.compose(testComposer(t))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, m.Raw)
			checkMail(t, m)
		})
	}
}

// checkMail reads m.Raw back and checks that the headers agree with m and with RFC 3834.
func checkMail(t *testing.T, m Mail) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatalf("mail does not read back: %v", err)
	}
	h := r.Header
	if s, _ := h.Subject(); s != m.Subject {
		t.Errorf("Subject %q, Mail says %q", s, m.Subject)
	}
	if id, _ := h.MessageID(); id != m.MessageID {
		t.Errorf("Message-ID %q, Mail says %q", id, m.MessageID)
	}
	wantAuto := "auto-generated"
	if m.Kind == store.KindAck {
		wantAuto = "auto-replied"
	}
	if got := h.Get("Auto-Submitted"); got != wantAuto {
		t.Errorf("Auto-Submitted %q, want %q", got, wantAuto)
	}
	if h.Get(LoopHeader) != string(m.Kind) || h.Get("X-Auto-Response-Suppress") != "All" {
		t.Errorf("loop headers: %q, %q", h.Get(LoopHeader), h.Get("X-Auto-Response-Suppress"))
	}
	if d, err := h.Date(); err != nil || !d.Equal(t0) {
		t.Errorf("Date %v (%v)", d, err)
	}
	if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	to, _ := h.AddressList("To")
	if len(to) != len(m.To) {
		t.Errorf("To header %v, Mail says %v", to, m.To)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(p.Body)
	if !strings.HasSuffix(string(body), "\n") {
		t.Errorf("body does not end with a line end")
	}
	if bytes.Count(m.Raw, []byte("\n")) != bytes.Count(m.Raw, []byte("\r\n")) {
		t.Errorf("bare LF in the raw message")
	}
}

func TestConfirmCarriesToken(t *testing.T) {
	c := testComposer(t)
	m, err := c.Confirm(sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := mail.CreateReader(bytes.NewReader(m.Raw))
	rt, _ := r.Header.AddressList("Reply-To")
	if len(rt) != 1 {
		t.Fatalf("Reply-To %v", rt)
	}
	local, _, _ := strings.Cut(rt[0].Address, "@")
	if len(local) > 64 {
		t.Errorf("reply address local part has %d characters", len(local))
	}
	token := strings.TrimPrefix(local, "ls-intake+c-")
	tok, err := ParseToken(testSecret, token, t0)
	if err != nil || tok.Record != "LS-2026-0042" || tok.Action != ActionConfirm {
		t.Fatalf("token %q: %+v, %v", token, tok, err)
	}
	if want := "c-" + token + "@ls-intake.example.org"; m.MessageID != want {
		t.Errorf("Message-ID %q, want %q", m.MessageID, want)
	}
	if !tok.Expires.Equal(t0.Add(DefaultTokenTTL)) {
		t.Errorf("expires %v", tok.Expires)
	}
}

func TestAckThreadingAndGate(t *testing.T) {
	rec := sampleRecord()
	rec.Ack.To = append(rec.Ack.To, "ccamp@ietf.org", "noreply@itu.int", "ccamp-chairs@ietf.org")
	m, err := testComposer(t).Ack(rec, "<orig@itu.int>", []string{"<a@x>", "b@x"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := mail.CreateReader(bytes.NewReader(m.Raw))
	if irt, _ := r.Header.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "orig@itu.int" {
		t.Errorf("In-Reply-To %v", irt)
	}
	if refs, _ := r.Header.MsgIDList("References"); strings.Join(refs, " ") != "a@x b@x orig@itu.int" {
		t.Errorf("References %v", refs)
	}
	if got := strings.Join(m.To, " "); got != "tsbsg15@itu.int t.ishikawa@carrier.example marta.lindgren@vendor.example" {
		t.Errorf("To %s", got)
	}
	if len(m.Refused) != 3 || m.Suppressed != "" {
		t.Errorf("refused %v, suppressed %q", m.Refused, m.Suppressed)
	}
	if e := m.Entry(); e.State != "" || !strings.Contains(e.Reason, "ccamp@ietf.org") {
		t.Errorf("entry state %q reason %q", e.State, e.Reason)
	}
	if bytes.Contains(m.Raw, []byte("ccamp@ietf.org")) {
		t.Error("a refused address is still in the headers")
	}

	rec.Ack.To = []string{"ccamp@ietf.org"}
	m, err = testComposer(t).Ack(rec, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Entry(); e.State != store.OutboxSuppressed || !strings.Contains(e.Reason, "ccamp@ietf.org") {
		t.Errorf("all refused: entry %q %q", e.State, e.Reason)
	}
}

func TestNewComposerChecks(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no from", func(c *Config) { c.From.Email = "" }},
		{"bad reply address", func(c *Config) { c.ReplyAddress = "nope" }},
		{"no coordinators", func(c *Config) { c.Coordinators = nil }},
		{"short secret", func(c *Config) { c.TokenSecret = []byte("short") }},
		{"bad hostname", func(c *Config) { c.Hostname = "a b" }},
		{"bad cc", func(c *Config) { c.AckCc = []string{"x"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(time.Now)
			tt.edit(&cfg)
			if _, err := NewComposer(cfg); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestRecordURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"", ""},
		{"https://x/r/%s/", "https://x/r/LS-2026-0001/"},
		{"https://x/r/", "https://x/r/LS-2026-0001"},
	}
	for _, tt := range tests {
		c := &Composer{cfg: Config{RecordURL: tt.url}}
		if got := c.recordURL("LS-2026-0001"); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.url, got, tt.want)
		}
	}
}
