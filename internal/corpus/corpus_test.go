package corpus

import "testing"

func TestNormalisation(t *testing.T) {
	if Group("IETF CCAMP WG") != Group("ccamp working group") || Group("CCAMP") != "ccamp" {
		t.Error("group normalisation")
	}
	if Text("  LS\u00a0on  X ") != "ls on x" {
		t.Errorf("Text = %q", Text("  LS\u00a0on  X "))
	}
	if got := Emails([]string{" <B@x.example>", "b@x.example", "a@x.example"}); len(got) != 2 || got[0] != "a@x.example" {
		t.Errorf("Emails = %v", got)
	}
	for n, want := range map[string]bool{"a.pdf": true, "../a": false, ".a": false, `a\b`: false, "": false} {
		if SafeName(n) != want {
			t.Errorf("SafeName(%q) = %v", n, !want)
		}
	}
	if !OneOf("IETF OPSAWG", "OPSAWG", nil, Group) || OneOf("x", "y", []string{"z"}, Text) {
		t.Error("OneOf")
	}
}
