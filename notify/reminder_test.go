package notify

import (
	"testing"
	"time"

	"github.com/ietf-tools/liaisond"
)

func TestReminderDue(t *testing.T) {
	rec := sampleRecord() // deadline 2027-01-15
	rec.State = liaisond.StatePosted
	deadline := time.Date(2027, 1, 15, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		edit      func(r *liaisond.Record)
		daysAfter int
		due       bool
		label     string
	}{
		{"15 days before", nil, -15, false, ""},
		{"14 days before", nil, -14, true, "in two weeks"},
		{"10 days before", nil, -10, false, ""},
		{"7 days before", nil, -7, true, "in one week"},
		{"5 days before", nil, -5, false, ""},
		{"4 days before", nil, -4, true, "in four days"},
		{"3 days before", nil, -3, true, "in three days"},
		{"2 days before", nil, -2, true, "in two days"},
		{"1 day before", nil, -1, true, "tomorrow"},
		{"on the day", nil, 0, true, "today"},
		{"1 day after", nil, 1, true, "OUT OF DATE"},
		{"14 days after", nil, 14, true, "OUT OF DATE"},
		{"15 days after", nil, 15, false, ""},
		{"taken", func(r *liaisond.Record) { r.Tags = []string{"required", TagTaken} }, 0, false, ""},
		{"for information", func(r *liaisond.Record) { r.Purpose = liaisond.PurposeInfo }, 0, false, ""},
		{"for comment", func(r *liaisond.Record) { r.Purpose = liaisond.PurposeComment }, 0, false, ""},
		{"pending", func(r *liaisond.Record) { r.State = liaisond.StatePending }, 0, false, ""},
		{"no deadline", func(r *liaisond.Record) { r.Deadline = "" }, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rec
			if tt.edit != nil {
				tt.edit(&r)
			}
			now := deadline.AddDate(0, 0, tt.daysAfter)
			due, label := ReminderDue(r, now)
			if due != tt.due || label != tt.label {
				t.Errorf("ReminderDue at %s = %v %q, want %v %q", now.Format(time.DateOnly), due, label, tt.due, tt.label)
			}
			m, err := testComposer(t).Reminder(r, now)
			if (err == nil) != tt.due {
				t.Fatalf("Reminder: %v", err)
			}
			if tt.due {
				want := "[Liaison deadline " + label + "] " + r.Title
				if label == "OUT OF DATE" {
					want = "[Liaison OUT OF DATE] " + r.Title
				}
				if m.Subject != want {
					t.Errorf("subject %q, want %q", m.Subject, want)
				}
			}
		})
	}
}

func TestReminderWithoutToContacts(t *testing.T) {
	rec := sampleRecord()
	rec.State, rec.ToContacts = liaisond.StatePosted, nil
	m, err := testComposer(t).Reminder(rec, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 2 || m.To[0] != "coordinator@example.org" {
		t.Errorf("To %v", m.To)
	}
}
