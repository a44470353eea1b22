package parse

import (
	"encoding/json"
	"github.com/ietf-tools/liaisond/internal/corpus"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	liaisond "github.com/ietf-tools/liaisond"
)

func contactEmails(cs []liaisond.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Email)
	}
	return corpus.Emails(out)
}

// TestCorpus parses every sample mail and compares it, field by field, with what a careful
// person records from it (the rules of testdata/corpus/README.md).
func TestCorpus(t *testing.T) { runCorpus(t, "corpus") }

// runCorpus parses every case in testdata/dir and compares it with its .json.
func runCorpus(t *testing.T, dir string) {
	emls, _ := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
	if len(emls) == 0 {
		t.Fatalf("no cases in testdata/%s", dir)
	}
	for _, eml := range emls {
		name := strings.TrimSuffix(filepath.Base(eml), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(eml)
			if err != nil {
				t.Fatal(err)
			}
			var want corpus.Expectation
			js, err := os.ReadFile(strings.TrimSuffix(eml, ".eml") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			if want.Case != "" && want.Case != name {
				t.Fatalf("case = %q in %s.json", want.Case, name)
			}
			al := want.ParseAliases()
			res, err := Parse(raw, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkCorpusCase(t, want, al, res)
		})
	}
}

func checkCorpusCase(t *testing.T, want corpus.Expectation, al corpus.Aliases, res *Result) {
	t.Helper()
	st := res.Statement
	if res.MessageID != strings.Trim(want.MessageID, "<>") {
		t.Errorf("message_id = %q, want %q", res.MessageID, want.MessageID)
	}
	if got := res.Kind == Statement; got != want.IsLiaison {
		t.Fatalf("liaison = %v (reason %q), want %v", got, res.Reason, want.IsLiaison)
	}
	if !want.IsLiaison {
		if res.Reason == "" {
			t.Error("not a statement without a reason")
		}
		if res.Ack.Send {
			t.Error("ack.send for a non-statement")
		}
		return
	}
	scored := map[string]bool{}
	for _, f := range want.ScoredFields {
		scored[f] = true
	}
	// A duplicate's acknowledgement is the store's decision; parse alone cannot know it.
	if want.Outcome != "duplicate" && scored["should_ack"] {
		if res.Ack.Send != want.ShouldAck {
			t.Errorf("ack.send = %v (%s), want %v", res.Ack.Send, res.Ack.Reason, want.ShouldAck)
		}
		if got, w := corpus.Emails(res.Ack.To), corpus.Emails(want.AckTo); strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("ack.to = %v, want %v", got, w)
		}
	}
	if want.Title != nil && !corpus.OneOf(st.Title, *want.Title, al.Title, corpus.Text) {
		t.Errorf("title = %q, want %q", st.Title, *want.Title)
	}
	if !scored["from_org"] {
		return
	}
	if want.FromOrg != nil && !corpus.OneOf(st.FromOrg, *want.FromOrg, al.FromOrg, corpus.Text) {
		t.Errorf("from_org = %q, want %q", st.FromOrg, *want.FromOrg)
	}
	if want.FromGroup != nil {
		got := ""
		if len(st.FromGroups) > 0 {
			got = st.FromGroups[0]
		}
		if !corpus.OneOf(got, *want.FromGroup, al.FromGroup, corpus.Text) {
			t.Errorf("from_group = %q, want %q", got, *want.FromGroup)
		}
	}
	checkToGroups(t, st.ToGroups, want.ToGroups, al.ToGroups)
	if want.Sender != nil {
		if st.FromContact == nil || liaisond.NormalEmail(st.FromContact.Email) != liaisond.NormalEmail(want.Sender.Email) {
			t.Errorf("from_contact = %+v, want %s", st.FromContact, want.Sender.Email)
		} else if want.Sender.Name != nil && corpus.Text(st.FromContact.Name) != corpus.Text(*want.Sender.Name) {
			t.Errorf("from_contact name = %q, want %q", st.FromContact.Name, *want.Sender.Name)
		}
	}
	if c := want.Contacts; c != nil {
		for _, x := range []struct {
			name      string
			got, want []string
		}{
			{"response", contactEmails(st.ResponseContacts), corpus.Emails(c.Response)},
			{"technical", contactEmails(st.TechnicalContacts), corpus.Emails(c.Technical)},
			{"cc", contactEmails(st.CcContacts), corpus.Emails(c.Cc)},
		} {
			if strings.Join(x.got, ",") != strings.Join(x.want, ",") {
				t.Errorf("%s contacts = %v, want %v", x.name, x.got, x.want)
			}
		}
	}
	if want.Purpose != nil {
		got := string(st.Purpose)
		if got == "info" {
			got = "information"
		}
		if !corpus.OneOf(got, *want.Purpose, al.Purpose, corpus.Text) {
			t.Errorf("purpose = %q, want %q", st.Purpose, *want.Purpose)
		}
	}
	wantDeadline := ""
	if want.Deadline != nil {
		wantDeadline = *want.Deadline
	}
	if st.Deadline != wantDeadline {
		t.Errorf("deadline = %q, want %q", st.Deadline, wantDeadline)
	}
	checkAttachments(t, st.Attachments, want)
	wantFwd := ""
	if want.ForwardedBy != nil {
		wantFwd = liaisond.NormalEmail(*want.ForwardedBy)
	}
	gotFwd := ""
	if st.ForwardedBy != nil {
		gotFwd = liaisond.NormalEmail(st.ForwardedBy.Email)
	}
	if gotFwd != wantFwd {
		t.Errorf("forwarded_by = %q, want %q", gotFwd, wantFwd)
	}
	for _, snip := range want.BodyContains {
		if !strings.Contains(corpus.Text(st.Body), corpus.Text(snip)) {
			t.Errorf("body lacks %q", snip)
		}
	}
	if strings.ContainsRune(st.Title+st.Body, 0) {
		t.Error("NUL in stored text")
	}
}

func checkToGroups(t *testing.T, got, want []string, al map[string][]string) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && corpus.OneOf(g, w, al[w], corpus.Group) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("to_groups = %v, missing %q", got, w)
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("to_groups has extra %q", got[i])
		}
	}
}

func checkAttachments(t *testing.T, got []liaisond.Attachment, want corpus.Expectation) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range want.Attachments {
		found := false
		for i, g := range got {
			if used[i] || strings.ToLower(g.ContentType) != strings.ToLower(w.ContentType) {
				continue
			}
			if w.Size != nil && g.Size != *w.Size || w.SHA256 != nil && g.SHA256 != *w.SHA256 {
				continue
			}
			nameOK := norm.NFC.String(g.Filename) == norm.NFC.String(w.Filename) ||
				w.FilenameCheck == "declared_or_safe" && corpus.SafeName(g.Filename)
			if !nameOK {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found && !w.Optional {
			t.Errorf("attachment %q (%s) not found in %+v", w.Filename, w.ContentType, got)
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("extra attachment %+v", got[i])
		}
	}
}
