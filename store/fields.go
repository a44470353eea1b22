package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/ietf-tools/liaisond"
)

// FieldChange is one field edited by UpdateFields, in the `liaisond parse` key names, with
// the old and new values as JSON (strings unquoted).
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// statementFields lists the Statement's JSON keys in declaration order (the
// Datatracker's field order).
var statementFields = func() []string {
	t := reflect.TypeFor[liaisond.Statement]()
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}()

// UpdateFields lets edit change the statement of record id and records one `modified`
// event per changed field, naming actor and the old and new values. The `required` tag
// follows the deadline and the statement's own problems are checked again. edit must not
// do I/O; it may run more than once.
func (tx *Tx) UpdateFields(id, actor string, edit func(*liaisond.Statement) error) ([]FieldChange, error) {
	var changes []FieldChange
	err := tx.editRecord(id, func(r *liaisond.Record) error {
		before := r.Statement
		before.Attachments = slices.Clone(before.Attachments)
		oldChecks := before.Problems()
		if err := edit(&r.Statement); err != nil {
			return fmt.Errorf("edit record %s: %w", id, err)
		}
		r.Statement.Normalize()
		var err error
		changes, err = diffStatements(&before, &r.Statement)
		if err != nil {
			return fmt.Errorf("edit record %s: %w", id, err)
		}
		for _, c := range changes {
			r.Events = append(r.Events, liaisond.Event{
				Time: tx.now, Kind: liaisond.EventModified, Actor: actor,
				Text: fmt.Sprintf("%s changed from %s to %s", c.Field, quoteValue(c.From), quoteValue(c.To)),
			})
		}
		// Problems the parser raised stay; the statement's own checks are redone.
		kept := slices.DeleteFunc(slices.Clone(r.Problems), func(p string) bool { return slices.Contains(oldChecks, p) })
		r.Problems = mergeProblems(kept, r.Statement.Problems())
		has := slices.Contains(r.Tags, TagRequired)
		if r.Statement.Deadline != "" && !has {
			r.Tags = append(r.Tags, TagRequired)
			slices.Sort(r.Tags)
		} else if r.Statement.Deadline == "" && has {
			r.Tags = slices.DeleteFunc(r.Tags, func(t string) bool { return t == TagRequired })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

// UpdateFields edits the statement of record id (see Tx.UpdateFields).
func (s *Store) UpdateFields(ctx context.Context, id, actor string, edit func(*liaisond.Statement) error) ([]FieldChange, error) {
	var changes []FieldChange
	err := s.Update(ctx, func(tx *Tx) (err error) {
		changes, err = tx.UpdateFields(id, actor, edit)
		return err
	})
	return changes, err
}

// diffStatements compares two statements field by field through their JSON form.
func diffStatements(a, b *liaisond.Statement) ([]FieldChange, error) {
	am, err := fieldMap(a)
	if err != nil {
		return nil, err
	}
	bm, err := fieldMap(b)
	if err != nil {
		return nil, err
	}
	var changes []FieldChange
	for _, name := range statementFields {
		if !bytes.Equal(am[name], bm[name]) {
			changes = append(changes, FieldChange{Field: name, From: plainValue(am[name]), To: plainValue(bm[name])})
		}
	}
	return changes, nil
}

func fieldMap(s *liaisond.Statement) (map[string]json.RawMessage, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	return m, json.Unmarshal(data, &m)
}

// plainValue shows a JSON string without its quotes and anything else as JSON.
func plainValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

func quoteValue(v string) string {
	if v == "" {
		return `""`
	}
	return fmt.Sprintf("%q", v)
}
