package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a minimal config for CLI commands that compose mail.
func writeConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "token.key"), []byte(strings.Repeat("s", 40)), 0o600)
	cfg := fmt.Sprintf(`[store]
path = %q
[outgoing]
address = "127.0.0.1:2526"
tls = "none"
from = "IETF Liaison Intake <ls-intake@example.org>"
[confirm]
coordinators = ["coordinator@example.org"]
reply_address = "ls-intake@example.org"
token_secret_file = %q
[admin]
socket = %q
`, filepath.Join(dir, "l.db"), filepath.Join(dir, "token.key"), filepath.Join(dir, "admin.sock"))
	path := filepath.Join(dir, "liaisond.toml")
	os.WriteFile(path, []byte(cfg), 0o600)
	return path
}

type outboxLine struct {
	ID     uint64
	Kind   string
	Record string
	State  string
	To     []string
}

func outbox(t *testing.T, cfg string) []outboxLine {
	t.Helper()
	out, code := runCLI(t, "outbox", "list", "--json", "--config", cfg)
	if code != 0 {
		t.Fatalf("outbox list: exit %d", code)
	}
	var l []outboxLine
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var e outboxLine
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		l = append(l, e)
	}
	return l
}

func recordState(t *testing.T, cfg, id string) (state, deadline, purpose string, tags []string) {
	t.Helper()
	out, code := runCLI(t, "records", "show", id, "--json", "--config", cfg)
	if code != 0 {
		t.Fatalf("records show %s: exit %d", id, code)
	}
	var r struct {
		State, Deadline, Purpose string
		Tags                     []string
	}
	json.Unmarshal([]byte(out), &r)
	return r.State, r.Deadline, r.Purpose, r.Tags
}

// TestRecordActions confirms, corrects, rejects and tags records from the CLI, and retries
// and drops outgoing mail: each queues the same mail a coordinator's reply would.
func TestRecordActions(t *testing.T) {
	cfg := writeConfig(t)
	files := []string{"../../ingest/parse/testdata/corpus/004-bbf-netmod-opsawg-info.eml",
		"../../ingest/parse/testdata/corpus/002-3gpp-sa2-detnet-zip.eml"}
	if _, code := runCLI(t, append([]string{"import", "--config", cfg}, files...)...); code != 0 {
		t.Fatal("import failed")
	}
	if l := outbox(t, cfg); len(l) != 2 || l[0].Kind != "confirm" || l[1].Kind != "confirm" {
		t.Fatalf("after import: outbox %+v, want two confirmation requests", l)
	}
	if out, code := runCLI(t, "records", "set", "--config", cfg, "LS-2026-0001", "Deadline=2027-02-01", "Purpose=For action"); code != 0 {
		t.Fatalf("records set: exit %d: %s", code, out)
	}
	if _, d, p, _ := recordState(t, cfg, "LS-2026-0001"); d != "2027-02-01" || p != "action" {
		t.Errorf("after set: deadline %q purpose %q", d, p)
	}
	if _, code := runCLI(t, "records", "confirm", "--config", cfg, "LS-2026-0001"); code != 0 {
		t.Fatal("records confirm failed")
	}
	if s, _, _, _ := recordState(t, cfg, "LS-2026-0001"); s != "posted" {
		t.Errorf("after confirm: %s", s)
	}
	acks := 0
	for _, e := range outbox(t, cfg) {
		if e.Kind == "ack" && e.Record == "LS-2026-0001" {
			acks++
			if strings.Join(e.To, ",") != "dwhitaker@broadband-forum.org,yusuf.demir@vendor.example" {
				t.Errorf("ack to %v", e.To)
			}
		}
	}
	if acks != 1 {
		t.Errorf("%d acks queued, want 1", acks)
	}
	// Confirming again changes nothing and queues no second acknowledgement.
	runCLI(t, "records", "confirm", "--config", cfg, "LS-2026-0001")
	n := 0
	for _, e := range outbox(t, cfg) {
		if e.Kind == "ack" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d acks after a second confirm, want 1", n)
	}
	if _, code := runCLI(t, "records", "reject", "--config", cfg, "LS-2026-0002", "sent", "twice"); code != 0 {
		t.Fatal("records reject failed")
	}
	if s, _, _, _ := recordState(t, cfg, "LS-2026-0002"); s != "dead" {
		t.Errorf("after reject: %s", s)
	}
	if _, code := runCLI(t, "records", "taken", "--config", cfg, "LS-2026-0001"); code != 0 {
		t.Fatal("records taken failed")
	}
	if _, _, _, tags := recordState(t, cfg, "LS-2026-0001"); !strings.Contains(strings.Join(tags, ","), "taken") {
		t.Errorf("tags %v lack taken", tags)
	}
	first := outbox(t, cfg)[0]
	if _, code := runCLI(t, "outbox", "drop", "--config", cfg, fmt.Sprint(first.ID)); code != 0 {
		t.Fatal("outbox drop failed")
	}
	if e := outbox(t, cfg)[0]; e.State != "suppressed" {
		t.Errorf("dropped mail is %s", e.State)
	}
	if _, code := runCLI(t, "records", "confirm", "--db", filepath.Join(filepath.Dir(cfg), "l.db"), "LS-2026-0001"); code == 0 {
		t.Error("confirm without a config (nothing to compose the acknowledgement with) succeeded")
	}
}

// TestRecordActionRefusals: an unknown record is an error, not a success with a note; a
// rejected record can be confirmed again by an operator.
func TestRecordActionRefusals(t *testing.T) {
	cfg := writeConfig(t)
	if _, code := runCLI(t, "import", "--config", cfg, "../../ingest/parse/testdata/corpus/004-bbf-netmod-opsawg-info.eml"); code != 0 {
		t.Fatal("import failed")
	}
	if _, code := runCLI(t, "records", "confirm", "--config", cfg, "LS-2099-0001"); code == 0 {
		t.Error("confirming an unknown record succeeded")
	}
	runCLI(t, "records", "reject", "--config", cfg, "LS-2026-0001", "by mistake")
	if s, _, _, _ := recordState(t, cfg, "LS-2026-0001"); s != "dead" {
		t.Fatalf("after reject: %s", s)
	}
	if _, code := runCLI(t, "records", "confirm", "--config", cfg, "LS-2026-0001"); code != 0 {
		t.Fatal("confirming a rejected record failed")
	}
	if s, _, _, _ := recordState(t, cfg, "LS-2026-0001"); s != "posted" {
		t.Errorf("after confirm of a rejected record: %s", s)
	}
	for _, e := range outbox(t, cfg) {
		if e.Kind == "reply" {
			t.Errorf("the operator was mailed a note: %+v", e)
		}
	}
	db := filepath.Join(filepath.Dir(cfg), "l.db")
	if _, code := runCLI(t, "import", "--db", db, "../../ingest/parse/testdata/corpus/002-3gpp-sa2-detnet-zip.eml"); code == 0 {
		t.Error("import without a config and without --no-notify succeeded (no confirmation request could be queued)")
	}
}
