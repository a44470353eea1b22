package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ietf-tools/liaisond"
)

// newRecord stores one message and makes a record of st.
func newRecord(t *testing.T, s *Store, mid string, st liaisond.Statement) string {
	t.Helper()
	ctx := context.Background()
	id, err := s.PutMessage(ctx, Envelope{Source: "smtp:x", MessageID: mid}, []byte("raw "+mid))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateOrMerge(ctx, id, NewRecord{Statement: st})
	if err != nil {
		t.Fatal(err)
	}
	return m.Record
}

func lastEvent(t *testing.T, s *Store, id string) liaisond.Event {
	t.Helper()
	r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Events[len(r.Events)-1]
}

func TestSetState(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		steps   []liaisond.State
		changed []bool
		final   liaisond.State
		event   liaisond.EventKind
	}{
		{"confirm", []liaisond.State{liaisond.StatePosted}, []bool{true}, liaisond.StatePosted, liaisond.EventPosted},
		{"confirm twice", []liaisond.State{liaisond.StatePosted, liaisond.StatePosted}, []bool{true, false}, liaisond.StatePosted, liaisond.EventPosted},
		{"reject", []liaisond.State{liaisond.StateDead}, []bool{true}, liaisond.StateDead, liaisond.EventKilled},
		{"reject then reopen", []liaisond.State{liaisond.StateDead, liaisond.StatePending}, []bool{true, true}, liaisond.StatePending, liaisond.EventModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			id := newRecord(t, s, "<a@x>", statement("T", "a@x"))
			for i, st := range tt.steps {
				changed, err := s.SetState(ctx, id, st, "coord@iab.org", "not a liaison")
				if err != nil || changed != tt.changed[i] {
					t.Fatalf("step %d: changed %v, %v", i, changed, err)
				}
			}
			r, _ := s.Get(id)
			ev := r.Events[len(r.Events)-1]
			if r.State != tt.final || ev.Kind != tt.event || ev.Actor != "coord@iab.org" || !strings.Contains(ev.Text, "not a liaison") {
				t.Fatalf("state %s, last event %+v", r.State, ev)
			}
			if n := len(r.Events); n != 2+len(slices.DeleteFunc(slices.Clone(tt.changed), func(b bool) bool { return !b })) {
				t.Fatalf("%d events", n)
			}
		})
	}
	s, _ := openTest(t, Options{})
	if _, err := s.SetState(ctx, "LS-2026-0009", liaisond.StatePosted, "x", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetState on missing record: %v", err)
	}
	if _, err := s.SetState(ctx, "../../x", liaisond.StatePosted, "x", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetState on bad id: %v", err)
	}
}

func TestUpdateFields(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		edit     func(*liaisond.Statement) error
		fields   []string
		wantText string
		required bool
	}{
		{"title", func(s *liaisond.Statement) error { s.Title = "New"; return nil }, []string{"title"}, `title changed from "Old" to "New"`, false},
		{"deadline adds required", func(s *liaisond.Statement) error {
			s.Purpose, s.Deadline = liaisond.PurposeAction, "2026-12-15"
			return nil
		}, []string{"purpose", "deadline"}, `deadline changed from "" to "2026-12-15"`, true},
		{"groups", func(s *liaisond.Statement) error { s.ToGroups = []string{"IETF", "IAB"}; return nil },
			[]string{"to_groups"}, `to_groups changed from "[\"IETF\"]" to "[\"IETF\",\"IAB\"]"`, false},
		{"nothing", func(s *liaisond.Statement) error { return nil }, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, Options{})
			id := newRecord(t, s, "<a@x>", statement("Old", "a@x"))
			changes, err := s.UpdateFields(ctx, id, "coord@iab.org", tt.edit)
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, c := range changes {
				fields = append(fields, c.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("changed %v, want %v", fields, tt.fields)
			}
			r, _ := s.Get(id)
			if slices.Contains(r.Tags, TagRequired) != tt.required {
				t.Fatalf("tags %v", r.Tags)
			}
			if len(r.Events) != 2+len(tt.fields) {
				t.Fatalf("%d events for %d changes", len(r.Events), len(tt.fields))
			}
			if tt.wantText != "" && !slices.ContainsFunc(r.Events, func(e liaisond.Event) bool {
				return e.Kind == liaisond.EventModified && e.Actor == "coord@iab.org" && e.Text == tt.wantText
			}) {
				t.Fatalf("no event %q in %+v", tt.wantText, r.Events)
			}
		})
	}
	s, _ := openTest(t, Options{})
	id := newRecord(t, s, "<a@x>", statement("Old", "a@x"))
	boom := errors.New("bad field")
	if _, err := s.UpdateFields(ctx, id, "x", func(s *liaisond.Statement) error { s.Title = "half"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("failed edit: %v", err)
	}
	if r, _ := s.Get(id); r.Title != "Old" {
		t.Fatalf("failed edit kept: %q", r.Title)
	}
}

func TestTagsAndEvents(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	id := newRecord(t, s, "<a@x>", statement("T", "a@x"))
	steps := []struct {
		add     bool
		changed bool
		tags    []string
	}{
		{true, true, []string{"taken"}},
		{true, false, []string{"taken"}},
		{false, true, []string{}},
		{false, false, []string{}},
	}
	for i, st := range steps {
		op := s.RemoveTag
		if st.add {
			op = s.AddTag
		}
		changed, err := op(ctx, id, "taken", "chair@ietf.org")
		if err != nil || changed != st.changed {
			t.Fatalf("step %d: %v %v", i, changed, err)
		}
		if r, _ := s.Get(id); !slices.Equal(r.Tags, st.tags) {
			t.Fatalf("step %d: tags %v", i, r.Tags)
		}
	}
	if err := s.AddEvent(ctx, id, liaisond.Event{Kind: liaisond.EventComment, Actor: "ad@ietf.org", Text: "discussed"}); err != nil {
		t.Fatal(err)
	}
	if ev := lastEvent(t, s, id); ev.Kind != liaisond.EventComment || !ev.Time.Equal(testNow) {
		t.Fatalf("event %+v", ev)
	}
	posted, _ := s.Records(liaisond.StatePosted)
	pending, _ := s.Records(liaisond.StatePending)
	if len(posted) != 0 || len(pending) != 1 {
		t.Fatalf("Records by state: %d posted, %d pending", len(posted), len(pending))
	}
}
