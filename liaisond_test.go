package liaisond

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestContactString(t *testing.T) {
	for _, tc := range []struct {
		c    Contact
		want string
	}{
		{Contact{Email: "a@b.example"}, "a@b.example"},
		{Contact{Name: "Ann Berg", Email: "a@b.example"}, "Ann Berg <a@b.example>"},
		{Contact{Name: "Berg, Ann", Email: "a@b.example"}, `"Berg, Ann" <a@b.example>`},
		{Contact{Name: `A "B" C`, Email: "a@b.example"}, `"A \"B\" C" <a@b.example>`},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.c, got, tc.want)
		}
	}
	if got := NormalEmail(" <Ann.Berg@Example.ORG> "); got != "ann.berg@example.org" {
		t.Errorf("NormalEmail = %q", got)
	}
}

func TestStatementProblems(t *testing.T) {
	var empty Statement
	got := strings.Join(empty.Problems(), "; ")
	for _, want := range []string{"no title", "no sending group", "no IETF group", "no contact", "neither body nor attachment", "no purpose"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems of an empty statement lack %q: %s", want, got)
		}
	}
	full := Statement{
		Title: "LS on X", FromGroups: []string{"ITU-T SG15"}, ToGroups: []string{"IETF CCAMP WG"},
		FromContact: &Contact{Email: "tsb@itu.int"}, Body: "text", Purpose: PurposeAction,
	}
	if p := full.Problems(); len(p) != 1 || !strings.Contains(p[0], "without a deadline") {
		t.Errorf("problems = %v, want only the missing deadline", p)
	}
	full.Deadline = "2027-01-15"
	full.TechnicalContacts = []Contact{{Email: "jösé@example.org"}}
	if p := full.Problems(); len(p) != 1 || !strings.Contains(p[0], "not plain ASCII") {
		t.Errorf("problems = %v, want the non-ASCII address", p)
	}
}

func TestStatementJSONHasNoNullLists(t *testing.T) {
	var s Statement
	s.Normalize()
	b, _ := json.Marshal(s)
	for _, k := range []string{"other_identifiers", "from_groups", "to_groups", "to_contacts", "response_contacts",
		"technical_contacts", "cc_contacts", "attachments"} {
		if !strings.Contains(string(b), `"`+k+`":[]`) {
			t.Errorf("%s is not an empty list in %s", k, b)
		}
	}
}

func TestPurpose(t *testing.T) {
	for p, label := range map[Purpose]string{PurposeAction: "For action", PurposeComment: "For comment", PurposeInfo: "For information", PurposeResponse: "In response"} {
		if !p.Valid() || p.Label() != label {
			t.Errorf("%q: valid %v label %q", p, p.Valid(), p.Label())
		}
	}
	if Purpose("maybe").Valid() {
		t.Error("unknown purpose is valid")
	}
	if !PurposeComment.NeedsDeadline() || PurposeInfo.NeedsDeadline() {
		t.Error("NeedsDeadline")
	}
}

func TestListHost(t *testing.T) {
	for addr, want := range map[string]bool{
		"wg11-liaison@lists.o-ran.org": true, "x@list.example.org": true, "g@googlegroups.com": true,
		"a@sub.groups.io": true, "ccamp@lists.ietf.org": true, "liaisons@broadband-forum.org": false,
		"tsbsg15@itu.int": false, "<a@Lists.Example.COM>": true, "nodomain": false,
	} {
		if got := ListHost(addr); got != want {
			t.Errorf("ListHost(%q) = %v, want %v", addr, got, want)
		}
	}
}
