package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ietf-tools/liaisond"
)

// TagRequired marks a record whose statement has a deadline.
const TagRequired = "required"

// storedRecord is a record as kept in the file: the record plus what its JSON form omits.
type storedRecord struct {
	liaisond.Record
	AckOnReceipt bool `json:"ack_on_receipt,omitempty"`
}

// normalizeRecord replaces nil lists by empty ones, so that JSON shows [] and never null.
func normalizeRecord(r *liaisond.Record) {
	r.Statement.Normalize()
	for _, l := range []*[]string{&r.Tags, &r.Problems, &r.Related} {
		if *l == nil {
			*l = []string{}
		}
	}
	if r.Sources == nil {
		r.Sources = []liaisond.Source{}
	}
	if r.Events == nil {
		r.Events = []liaisond.Event{}
	}
}

// Record returns record id as it stands in tx.
func (tx *Tx) Record(id string) (*liaisond.Record, error) {
	key, ok := recordKey(id)
	if !ok {
		return nil, fmt.Errorf("record %q: not a record id (LS-YYYY-NNNN): %w", id, ErrNotFound)
	}
	var sr storedRecord
	found, err := getJSON(tx.bucket(bucketRecords), key, &sr)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	sr.Ack.OnReceipt = sr.AckOnReceipt
	normalizeRecord(&sr.Record)
	return &sr.Record, nil
}

// putRecord writes r back.
func (tx *Tx) putRecord(r *liaisond.Record) error {
	key, ok := recordKey(r.ID)
	if !ok {
		return fmt.Errorf("record %q: not a record id: %w", r.ID, ErrInvalid)
	}
	normalizeRecord(r)
	if err := putJSON(tx.bucket(bucketRecords), key, storedRecord{Record: *r, AckOnReceipt: r.Ack.OnReceipt}); err != nil {
		return fmt.Errorf("record %s: %w", r.ID, err)
	}
	return nil
}

// editRecord loads record id, lets edit change it, and stores it unless edit fails.
func (tx *Tx) editRecord(id string, edit func(*liaisond.Record) error) error {
	r, err := tx.Record(id)
	if err != nil {
		return err
	}
	if err := edit(r); err != nil {
		return err
	}
	return tx.putRecord(r)
}

// AddEvent appends ev to the history of record id; a zero time means the transaction's.
func (tx *Tx) AddEvent(id string, ev liaisond.Event) error {
	if ev.Time.IsZero() {
		ev.Time = tx.now
	}
	return tx.editRecord(id, func(r *liaisond.Record) error {
		r.Events = append(r.Events, ev)
		return nil
	})
}

// SetState moves record id to state, recording who did it and why (a `posted`, `killed`
// or `modified` event). Setting the state a record already has changes nothing and
// reports false, so that repeated commands are harmless.
func (tx *Tx) SetState(id string, state liaisond.State, actor, reason string) (bool, error) {
	var kind liaisond.EventKind
	switch state {
	case liaisond.StatePosted:
		kind = liaisond.EventPosted
	case liaisond.StateDead:
		kind = liaisond.EventKilled
	case liaisond.StatePending:
		kind = liaisond.EventModified
	default:
		return false, fmt.Errorf("record %s: state %q: %w", id, state, ErrInvalid)
	}
	changed := false
	err := tx.editRecord(id, func(r *liaisond.Record) error {
		if r.State == state {
			return nil
		}
		text := fmt.Sprintf("State changed from %s to %s", r.State, state)
		if reason != "" {
			text += ": " + reason
		}
		r.State = state
		r.Events = append(r.Events, liaisond.Event{Time: tx.now, Kind: kind, Actor: actor, Text: text})
		changed = true
		return nil
	})
	return changed, err
}

// AddTag tags record id (e.g. `taken`), recording who did it; false if it had the tag.
func (tx *Tx) AddTag(id, tag, actor string) (bool, error) {
	return tx.changeTag(id, tag, actor, true)
}

// RemoveTag removes a tag from record id, recording who did it; false if it had none.
func (tx *Tx) RemoveTag(id, tag, actor string) (bool, error) {
	return tx.changeTag(id, tag, actor, false)
}

func (tx *Tx) changeTag(id, tag, actor string, add bool) (bool, error) {
	if tag == "" {
		return false, fmt.Errorf("record %s: empty tag: %w", id, ErrInvalid)
	}
	changed := false
	err := tx.editRecord(id, func(r *liaisond.Record) error {
		has := slices.Contains(r.Tags, tag)
		if has == add {
			return nil
		}
		text := "Tag added: " + tag
		if add {
			r.Tags = append(r.Tags, tag)
			slices.Sort(r.Tags)
		} else {
			r.Tags = slices.DeleteFunc(r.Tags, func(t string) bool { return t == tag })
			text = "Tag removed: " + tag
		}
		r.Events = append(r.Events, liaisond.Event{Time: tx.now, Kind: liaisond.EventModified, Actor: actor, Text: text})
		changed = true
		return nil
	})
	return changed, err
}

// RecordMessages lists the messages that delivered record id, in arrival order.
func (tx *Tx) RecordMessages(id string) ([]MsgID, error) {
	prefix := append([]byte(id), 0)
	var ids []MsgID
	c := tx.bucket(bucketRecordMsgs).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		ids = append(ids, MsgID(bytesU64(k[len(prefix):])))
	}
	return ids, nil
}

func recordMsgKey(id string, msg MsgID) []byte {
	return append(append([]byte(id), 0), u64(uint64(msg))...)
}

// Get returns record id.
func (s *Store) Get(id string) (liaisond.Record, error) {
	var r liaisond.Record
	err := s.View(func(tx *Tx) error {
		rec, err := tx.Record(id)
		if err == nil {
			r = *rec
		}
		return err
	})
	return r, err
}

// Records lists the records in id order, all of them or only those in state.
func (s *Store) Records(state liaisond.State) ([]liaisond.Record, error) {
	var list []liaisond.Record
	err := s.View(func(tx *Tx) error {
		return tx.bucket(bucketRecords).ForEach(func(k, v []byte) error {
			var sr storedRecord
			if err := json.Unmarshal(v, &sr); err != nil {
				return fmt.Errorf("record %x: %w", k, err)
			}
			if state != "" && sr.State != state {
				return nil
			}
			sr.Ack.OnReceipt = sr.AckOnReceipt
			normalizeRecord(&sr.Record)
			list = append(list, sr.Record)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list records in %s: %w", s.path, err)
	}
	return list, nil
}

// RecordMessages lists the messages that delivered record id, in arrival order; their
// bytes are at Raw.
func (s *Store) RecordMessages(id string) ([]MsgID, error) {
	var ids []MsgID
	err := s.View(func(tx *Tx) (err error) { ids, err = tx.RecordMessages(id); return err })
	return ids, err
}

// SetState moves record id to state (see Tx.SetState).
func (s *Store) SetState(ctx context.Context, id string, state liaisond.State, actor, reason string) (bool, error) {
	var changed bool
	err := s.Update(ctx, func(tx *Tx) (err error) {
		changed, err = tx.SetState(id, state, actor, reason)
		return err
	})
	return changed, err
}

// AddEvent appends ev to the history of record id.
func (s *Store) AddEvent(ctx context.Context, id string, ev liaisond.Event) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.AddEvent(id, ev) })
}

// AddTag tags record id (see Tx.AddTag).
func (s *Store) AddTag(ctx context.Context, id, tag, actor string) (bool, error) {
	var changed bool
	err := s.Update(ctx, func(tx *Tx) (err error) { changed, err = tx.AddTag(id, tag, actor); return err })
	return changed, err
}

// RemoveTag removes a tag from record id (see Tx.RemoveTag).
func (s *Store) RemoveTag(ctx context.Context, id, tag, actor string) (bool, error) {
	var changed bool
	err := s.Update(ctx, func(tx *Tx) (err error) { changed, err = tx.RemoveTag(id, tag, actor); return err })
	return changed, err
}
