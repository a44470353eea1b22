package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	if code != 0 && testing.Verbose() {
		t.Logf("liaisond %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String(), code
}

func corpus(t *testing.T) []string {
	files, _ := filepath.Glob("../../ingest/parse/testdata/corpus/*.eml")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	return files
}

// TestParseContract checks `parse --json`: one object per message with exactly the keys of
// the contract in DESIGN.md.
func TestParseContract(t *testing.T) {
	out, code := runCLI(t, append([]string{"parse", "--json"}, corpus(t)...)...)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := []string{"ack", "attachments", "body", "cc_contacts", "deadline", "file", "forwarded_by",
		"from_contact", "from_groups", "from_org", "liaison", "message_id", "other_identifiers", "problems",
		"purpose", "reason", "response_contacts", "technical_contacts", "title", "to_contacts", "to_groups"}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(corpus(t)) {
		t.Fatalf("%d lines for %d files", len(lines), len(corpus(t)))
	}
	for _, l := range lines {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != strings.Join(want, ",") {
			t.Fatalf("keys %v, want %v", keys, want)
		}
		var ack map[string]json.RawMessage
		json.Unmarshal(obj["ack"], &ack)
		if len(ack) != 3 || ack["send"] == nil || ack["to"] == nil || ack["reason"] == nil {
			t.Errorf("ack = %s", obj["ack"])
		}
		for _, k := range []string{"to_groups", "attachments", "problems", "cc_contacts"} {
			if string(obj[k]) == "null" {
				t.Errorf("%s is null, want a list", k)
			}
		}
	}
	if _, code := runCLI(t, "parse", "--json", "/nonexistent.eml"); code != 1 {
		t.Errorf("unreadable file: exit %d, want 1", code)
	}
}

// TestImportTwice imports the corpus twice: the records are the same as after one import,
// and the list copy of 001 is one record with both sources.
func TestImportTwice(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	args := append([]string{"import", "--db", db, "--no-notify"}, corpus(t)...)
	if _, code := runCLI(t, args...); code != 0 {
		t.Fatalf("first import: exit %d", code)
	}
	first, _ := runCLI(t, "records", "list", "--db", db, "--json")
	if _, code := runCLI(t, args...); code != 0 {
		t.Fatalf("second import: exit %d", code)
	}
	second, _ := runCLI(t, "records", "list", "--db", db, "--json")
	ids := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			var r struct {
				ID, Title string
				Sources   []json.RawMessage
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r.ID+" "+r.Title)
		}
		return out
	}
	a, b := ids(first), ids(second)
	if strings.Join(a, "\n") != strings.Join(b, "\n") || len(a) != 12 {
		t.Fatalf("records after one import:\n%s\nafter two:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	var r struct{ Sources []json.RawMessage }
	json.Unmarshal([]byte(strings.Split(first, "\n")[0]), &r)
	if len(r.Sources) != 2 {
		t.Errorf("LS-2026-0001 has %d sources after one import, want 2 (direct and list copy)", len(r.Sources))
	}
	msgs, _ := runCLI(t, "messages", "list", "--db", db, "--json")
	if n := strings.Count(msgs, "\n"); n != 2*len(corpus(t)) {
		t.Errorf("%d messages listed, want %d", n, 2*len(corpus(t)))
	}
	if out, code := runCLI(t, "check-db", "--db", db); code != 0 {
		t.Errorf("check-db: %s", out)
	}
	exp, code := runCLI(t, "records", "export", "--db", db)
	var e struct {
		Statements struct{ Objects []map[string]any } `json:"liaisonstatement"`
		Events     struct{ Objects []map[string]any } `json:"liaisonstatementevent"`
	}
	if code != 0 || json.Unmarshal([]byte(exp), &e) != nil || len(e.Statements.Objects) != 12 || len(e.Events.Objects) == 0 {
		t.Errorf("export: exit %d, %d statements, %d events", code, len(e.Statements.Objects), len(e.Events.Objects))
	}
	if fc, ok := e.Statements.Objects[0]["from_contact"].(string); !ok || !strings.Contains(fc, "tsbsg15@itu.int") {
		t.Errorf("from_contact = %v, want a mailbox string", e.Statements.Objects[0]["from_contact"])
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if _, code := runCLI(t, "backup", "--db", db, backup); code != 0 {
		t.Fatal("backup failed")
	}
	if out, code := runCLI(t, "check-db", "--db", backup); code != 0 {
		t.Errorf("check-db of the backup: %s", out)
	}
}
