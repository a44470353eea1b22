package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokenRoundTrip(t *testing.T) {
	tests := []struct {
		record, action string
	}{
		{"LS-2026-0042", ActionConfirm},
		{"LS-2026-0001", ActionReject},
		{"LS-1999-123456", ActionEdit},
		{"LS-2106-4294967295", ActionConfirm},
	}
	exp := t0.Add(24 * time.Hour)
	for _, tt := range tests {
		t.Run(tt.record, func(t *testing.T) {
			tok, err := NewToken(testSecret, tt.record, tt.action, exp)
			if err != nil {
				t.Fatal(err)
			}
			if len(tok) != 45 || tok != strings.ToLower(tok) || strings.Contains(tok, "=") {
				t.Errorf("token %q: want 45 lowercase base32 characters without padding", tok)
			}
			got, err := ParseToken(testSecret, tok, t0)
			if err != nil {
				t.Fatal(err)
			}
			if got.Record != tt.record || got.Action != tt.action || !got.Expires.Equal(exp) || got.Version != 1 {
				t.Errorf("got %+v", got)
			}
			if _, err := ParseToken(testSecret, strings.ToUpper(tok), t0); err != nil {
				t.Errorf("upper case: %v", err)
			}
		})
	}
}

func TestParseTokenErrors(t *testing.T) {
	good, err := NewToken(testSecret, "LS-2026-0042", ActionConfirm, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	v2 := "ai" + good[2:] // first byte 0x02
	tests := []struct {
		name   string
		secret []byte
		token  string
		now    time.Time
		want   error
	}{
		{"empty", testSecret, "", t0, ErrTokenMalformed},
		{"bad character", testSecret, good[:10] + "1" + good[11:], t0, ErrTokenMalformed},
		{"too long", testSecret, strings.Repeat("a", 65), t0, ErrTokenMalformed},
		{"truncated", testSecret, good[:40], t0, ErrTokenMalformed},
		{"unknown version", testSecret, v2, t0, ErrTokenVersion},
		{"altered payload", testSecret, flip(good, 5), t0, ErrTokenSignature},
		{"altered mac", testSecret, flip(good, 40), t0, ErrTokenSignature},
		{"other secret", []byte("another secret, 32 bytes long!!!"), good, t0, ErrTokenSignature},
		{"no secret", nil, good, t0, ErrTokenSignature},
		{"expired", testSecret, good, t0.Add(time.Hour), ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseToken(tt.secret, tt.token, tt.now)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if tok, err := ParseToken(testSecret, good, t0.Add(2*time.Hour)); tok.Record != "LS-2026-0042" {
		t.Errorf("expired token should still name its record: %+v %v", tok, err)
	}
}

func TestNewTokenRefuses(t *testing.T) {
	exp := t0.Add(time.Hour)
	tests := []struct {
		name           string
		secret         []byte
		record, action string
		expires        time.Time
	}{
		{"no secret", nil, "LS-2026-0042", ActionConfirm, exp},
		{"not a record id", testSecret, "2026-42", ActionConfirm, exp},
		{"number too large", testSecret, "LS-2026-4294967296", ActionConfirm, exp},
		{"unknown action", testSecret, "LS-2026-0042", "delete", exp},
		{"expiry before 1970", testSecret, "LS-2026-0042", ActionConfirm, time.Unix(-5, 0)},
		{"expiry after 2106", testSecret, "LS-2026-0042", ActionConfirm, time.Date(2107, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tok, err := NewToken(tt.secret, tt.record, tt.action, tt.expires); err == nil {
				t.Errorf("made %q", tok)
			}
		})
	}
}

func TestReplyAddress(t *testing.T) {
	tests := []struct {
		base, token, want string
		ok                bool
	}{
		{"ls-intake@example.org", "abc", "ls-intake+c-abc@example.org", true},
		{"<ls-intake@example.org>", "abc", "ls-intake+c-abc@example.org", true},
		{"nobody", "abc", "", false},
		{"x@example.org", strings.Repeat("a", 61), "", false},
	}
	for _, tt := range tests {
		got, err := ReplyAddress(tt.base, tt.token)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("ReplyAddress(%q, %q) = %q, %v", tt.base, tt.token, got, err)
		}
	}
}
