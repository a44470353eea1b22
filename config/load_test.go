package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/invalid")

// TestInvalidGolden loads every testdata/invalid/*.toml and compares the reported errors,
// one a line, with the .golden file beside it.
func TestInvalidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".toml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.Base(file), data)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v, want Errors", err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".toml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
			for _, p := range errs {
				if p.Warning {
					t.Errorf("Parse returned a warning: %v", p)
				}
			}
		})
	}
}

func TestValidFiles(t *testing.T) {
	for _, file := range []string{"testdata/valid/minimal.toml", "testdata/valid/full.toml"} {
		if _, err := Load(file); err != nil {
			t.Errorf("Load(%s): %v", file, err)
		}
	}
}

// TestErrorLine pins the format the design promises: file:line: key: message.
func TestErrorLine(t *testing.T) {
	src := "[store]\npath = \"/x/db\"\n\n[[smtp]]\nlisten = \"127.0.0.1:1\"\nrecipients = [\"a@example.org\"]\n\n" +
		"[[smtp]]\nrecipients = [\"a@example.org\"]\n# comment\nlisten = \"abc\"\n"
	_, err := Parse("liaisond.toml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := `liaisond.toml:11: [[smtp]] listen: "abc" is not host:port (or an absolute path for a Unix socket)`
	if first := strings.Split(err.Error(), "\n")[0]; first != want {
		t.Errorf("first error\n got %s\nwant %s", first, want)
	}
}

func TestDefaultsApplied(t *testing.T) {
	c, err := Load("testdata/valid/minimal.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := c.SMTP[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"store.path", c.Store.Path, DefaultStorePath},
		{"store.max_attempts", c.Store.MaxAttempts, DefaultStoreMaxAttempts},
		{"smtp.max_message_bytes", s.MaxMessageBytes, ByteSize(DefaultMaxMessageBytes)},
		{"smtp.max_line_length", s.MaxLineLength, DefaultSMTPMaxLineLength},
		{"smtp.read_timeout", s.ReadTimeout, DefaultSMTPReadTimeout},
		{"smtp.max_connections", s.MaxConnections, DefaultSMTPMaxConnections},
		{"outgoing.max_per_hour", c.Outgoing.MaxPerHour, DefaultOutgoingMaxPerHour},
		{"outgoing.retry_max", c.Outgoing.RetryMax, DefaultOutgoingRetryMax},
		{"confirm.token_ttl", c.Confirm.TokenTTL, DefaultTokenTTL},
		{"ack.policy", c.Ack.Policy, DefaultAckPolicy},
		{"http.listen", c.HTTP.Listen, DefaultHTTPListen},
		{"admin.socket", c.Admin.Socket, DefaultAdminSocket},
		{"log.format", c.Log.Format, DefaultLogFormat},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	abs, _ := filepath.Abs("testdata/valid/token.key")
	if c.Confirm.TokenSecretFile != abs {
		t.Errorf("token_secret_file = %q, want it relative to the file: %q", c.Confirm.TokenSecretFile, abs)
	}
}

func TestIMAPDefaultsPerAccount(t *testing.T) {
	c, err := Load("testdata/valid/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.IMAP[1].Mailboxes; !reflect.DeepEqual(got, []string{"INBOX"}) {
		t.Errorf("second account mailboxes = %v, want the default [INBOX]", got)
	}
	if c.IMAP[0].PollInterval != 30*time.Second || c.IMAP[1].PollInterval != DefaultIMAPPollInterval {
		t.Errorf("poll intervals = %v, %v", c.IMAP[0].PollInterval, c.IMAP[1].PollInterval)
	}
	if c.SMTP[0].MaxMessageBytes != 20<<20 {
		t.Errorf("max_message_bytes = %d, want 20MiB", c.SMTP[0].MaxMessageBytes)
	}
	if c.SMTP[1].MaxConnections != DefaultSMTPMaxConnections {
		t.Errorf("second listener max_connections = %d", c.SMTP[1].MaxConnections)
	}
}

// TestRoundTrip writes the effective configuration and reads it back unchanged.
func TestRoundTrip(t *testing.T) {
	for _, file := range []string{"testdata/valid/minimal.toml", "testdata/valid/full.toml", "../systemd/liaisond.toml"} {
		c, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := c.WriteTOML(&b); err != nil {
			t.Fatal(err)
		}
		c2, err := Parse(file, []byte(b.String()))
		if err != nil {
			t.Fatalf("%s: re-reading the effective config: %v\n%s", file, err, b.String())
		}
		c.lines, c2.lines = nil, nil
		if !reflect.DeepEqual(c, c2) {
			t.Errorf("%s: round trip differs:\n%+v\n%+v", file, c, c2)
		}
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"1024", 1024, true},
		{"50MiB", 50 << 20, true},
		{"50 MB", 50_000_000, true},
		{"1GiB", 1 << 30, true},
		{"512KiB", 512 << 10, true},
		{"7B", 7, true},
		{"-1", 0, false},
		{"1.5MiB", 0, false},
		{"lots", 0, false},
		{"99999999999GiB", 0, false},
	} {
		got, err := parseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v", tc.in, got, err)
		}
	}
	if s := ByteSize(50 << 20).String(); s != "50MiB" {
		t.Errorf("String = %s", s)
	}
}

func TestDisplayKey(t *testing.T) {
	for in, want := range map[string]string{
		"smtp[1].listen":          "[[smtp]] listen",
		"store.path":              "[store] path",
		"imap[0].mailboxes[2]":    "[[imap]] mailboxes[2]",
		"confirm":                 "[confirm]",
		"smtp[3]":                 "[[smtp]]",
		"ack.cc[0]":               "[ack] cc[0]",
		"confirm.coordinators[1]": "[confirm] coordinators[1]",
	} {
		if got := displayKey(in); got != want {
			t.Errorf("displayKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLineIndex(t *testing.T) {
	src := `top = 1
[store]
path = "x"
[[smtp]]
listen = "a"
[[smtp]]
listen = "b"
recipients = [
  "one@example.org",
  "two@example.org",
]
[smtp.extra]
k = 1
[confirm]
inline = { a = 1, b.c = 2 }
`
	ix := indexLines([]byte(src))
	for path, want := range map[string]int{
		"top": 1, "store": 2, "store.path": 3, "smtp[0]": 4, "smtp[0].listen": 5,
		"smtp[1]": 6, "smtp[1].listen": 7, "smtp[1].recipients": 8, "smtp[1].recipients[1]": 10,
		"smtp[1].extra.k": 13, "confirm.inline.b.c": 15, "smtp[1].nothing": 6,
	} {
		if got := ix.line(path); got != want {
			t.Errorf("line(%q) = %d, want %d", path, got, want)
		}
	}
}
