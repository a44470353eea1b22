package notify

import (
	"reflect"
	"testing"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
)

func TestParseDeadline(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2027-01-15", "2027-01-15"},
		{"2027-1-5", "2027-01-05"},
		{"2027/01/15", "2027-01-15"},
		{"15 January 2027", "2027-01-15"},
		{"15 Jan 2027", "2027-01-15"},
		{"15 JANUARY 2027", "2027-01-15"},
		{"15/01/2027", "2027-01-15"},
		{"05/01/2027", "2027-01-05"}, // day first
		{"5.1.2027", "2027-01-05"},
		{"January 15, 2027", "2027-01-15"},
		{"January 15th, 2027", "2027-01-15"},
		{"Friday, 15 January 2027", "2027-01-15"},
		{"Fri 15th of January 2027", "2027-01-15"},
		{"the 1st of March 2027", "2027-03-01"},
		{"15-Jan-2027", "2027-01-15"},
		{"  2027-01-15  ", "2027-01-15"},
		{"next week", ""},
		{"32/01/2027", ""},
		{"15 January 1927", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParseDeadline(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("ParseDeadline(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParsePurpose(t *testing.T) {
	tests := []struct {
		in   string
		want liaisond.Purpose
	}{
		{"For action", liaisond.PurposeAction},
		{"ACTION", liaisond.PurposeAction},
		{"for comment", liaisond.PurposeComment},
		{"Comments", liaisond.PurposeComment},
		{"For information", liaisond.PurposeInfo},
		{"For info.", liaisond.PurposeInfo},
		{"Information", liaisond.PurposeInfo},
		{"In response", liaisond.PurposeResponse},
		{"Reply LS", liaisond.PurposeResponse},
		{"whatever", ""},
	}
	for _, tt := range tests {
		got, err := ParsePurpose(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("ParsePurpose(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestParseContacts(t *testing.T) {
	tests := []struct {
		in   string
		want []liaisond.Contact
		ok   bool
	}{
		{"Jane Doe <jane@example.org>", []liaisond.Contact{{Name: "Jane Doe", Email: "jane@example.org"}}, true},
		{"Jane Doe <jane@example.org>, bob@example.org", []liaisond.Contact{{Name: "Jane Doe", Email: "jane@example.org"}, {Email: "bob@example.org"}}, true},
		{`"Doe, Jane" <jane@example.org>; bob@example.org`, []liaisond.Contact{{Name: "Doe, Jane", Email: "jane@example.org"}, {Email: "bob@example.org"}}, true},
		{"Jane Doe <jane@example.org>, Bob (bob@example.org)", nil, false},
		{"just a name", nil, false},
	}
	for _, tt := range tests {
		got, err := ParseContacts(tt.in)
		if (err == nil) != tt.ok || tt.ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseContacts(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestReadEditApply(t *testing.T) {
	base := func() liaisond.Statement {
		r := sampleRecord()
		return r.Statement
	}
	tests := []struct {
		field, value string
		check        func(s liaisond.Statement) bool
		bad          bool
	}{
		{"title", "  New   title ", func(s liaisond.Statement) bool { return s.Title == "New title" }, false},
		{"title", "none", nil, true},
		{"purpose", "For information", func(s liaisond.Statement) bool { return s.Purpose == liaisond.PurposeInfo }, false},
		{"purpose", "none", func(s liaisond.Statement) bool { return s.Purpose == "" }, false},
		{"purpose", "maybe", nil, true},
		{"deadline", "15 February 2027", func(s liaisond.Statement) bool { return s.Deadline == "2027-02-15" }, false},
		{"deadline", "N/A", func(s liaisond.Statement) bool { return s.Deadline == "" }, false},
		{"deadline", "soon", nil, true},
		{"to", "IETF OPSAWG WG", func(s liaisond.Statement) bool {
			return reflect.DeepEqual(s.ToGroups, []string{"IETF OPSAWG WG"}) && len(s.ToContacts) == 1 // contacts kept
		}, false},
		{"to", "IETF OPSAWG WG, IETF NETMOD WG (OPSAWG Chairs <opsawg-chairs@ietf.org>)", func(s liaisond.Statement) bool {
			return reflect.DeepEqual(s.ToGroups, []string{"IETF OPSAWG WG", "IETF NETMOD WG"}) &&
				reflect.DeepEqual(s.ToContacts, []liaisond.Contact{{Name: "OPSAWG Chairs", Email: "opsawg-chairs@ietf.org"}})
		}, false},
		{"to", "opsawg-chairs@ietf.org", func(s liaisond.Statement) bool {
			return reflect.DeepEqual(s.ToGroups, []string{"IETF CCAMP WG"}) && s.ToContacts[0].Email == "opsawg-chairs@ietf.org"
		}, false},
		{"from", "3GPP TSG CT WG4 (Jane <jane@3gpp.example>)", func(s liaisond.Statement) bool {
			return s.FromGroups[0] == "3GPP TSG CT WG4" && s.FromContact.Email == "jane@3gpp.example"
		}, false},
		{"from", "X (a <a@x.example>, b <b@x.example>)", nil, true},
		{"from", "none", func(s liaisond.Statement) bool { return len(s.FromGroups) == 0 && s.FromContact == nil }, false},
		{"response", "Jane <jane@x.example>", func(s liaisond.Statement) bool { return s.ResponseContacts[0].Email == "jane@x.example" }, false},
		{"technical", "none", func(s liaisond.Statement) bool { return len(s.TechnicalContacts) == 0 }, false},
		{"cc", "a@x.example, b@x.example", func(s liaisond.Statement) bool { return len(s.CcContacts) == 2 }, false},
		{"cc", "not an address", nil, true},
		{"body", "x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.value, func(t *testing.T) {
			fe, err := readEdit(parse.Edit{Field: tt.field, Value: tt.value})
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", fe)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := base()
			fe.Apply(&s)
			if !tt.check(s) {
				t.Errorf("after edit: %+v", s)
			}
		})
	}
	if fe, err := readEdit(parse.Edit{Field: "title", Value: "  "}); fe != nil || err != nil {
		t.Errorf("empty value should be no edit: %v %v", fe, err)
	}
}
