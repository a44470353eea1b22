package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/ietf-tools/liaisond"
)

// NewRecord is a parsed statement on its way into the store, with everything the intake
// worked out before the write transaction.
type NewRecord struct {
	// Statement is what the message says. Its attachments carry their SHA-256 (lower-case
	// hex), computed by the caller.
	Statement liaisond.Statement
	// Files holds attachment bytes by SHA-256. Bytes already stored may be left out.
	Files map[string][]byte
	// Problems are the parser's doubts; the statement's own checks are added to them.
	Problems []string
	// Related lists the records this statement answers.
	Related []string
	// Ack is the acknowledgement decision.
	Ack liaisond.Ack
	// Then, if set, runs in the same transaction once the record is created or merged:
	// the place to Enqueue a confirmation request. r is a snapshot of the record; change
	// it through tx. If Then fails, nothing is kept. It may run more than once.
	Then func(tx *Tx, m Merge, r *liaisond.Record) error
}

// Merge tells what CreateOrMerge did.
type Merge struct {
	// Record is the id of the record the message now belongs to.
	Record string `json:"record"`
	// Created is true when the message made a new record.
	Created bool `json:"created"`
	// DuplicateOf says why the message was taken for Record's statement; empty if created.
	DuplicateOf DedupKind `json:"duplicate_of,omitempty"`
}

// CreateOrMerge turns message msg into a record, or attaches it to the record of the same
// statement, deciding which inside the write transaction so that two arrivals racing
// cannot both create one. Calling it again for the same message returns the first answer
// and changes nothing.
func (s *Store) CreateOrMerge(ctx context.Context, msg MsgID, nr NewRecord) (Merge, error) {
	st := nr.Statement
	st.Attachments = slices.Clone(st.Attachments)
	for i := range st.Attachments {
		a := &st.Attachments[i]
		if !ValidSHA256(a.SHA256) {
			return Merge{}, fmt.Errorf("record from message %d: attachment %q: sha256 %q is not lower-case hex: %w",
				msg, a.Filename, a.SHA256, ErrInvalid)
		}
		if data, ok := nr.Files[a.SHA256]; ok && int64(len(data)) != a.Size && a.Size != 0 {
			return Merge{}, fmt.Errorf("record from message %d: attachment %q: %d bytes given, size says %d: %w",
				msg, a.Filename, len(data), a.Size, ErrInvalid)
		}
	}
	st.Normalize()
	content, hasContent := contentKey(&st)
	problems := mergeProblems(nr.Problems, st.Problems())
	size := 0
	for _, f := range nr.Files {
		size += len(f)
	}

	var res Merge
	err := s.update(ctx, func(tx *Tx) error {
		res = Merge{} // the group commit may run this again after a rollback
		m, err := tx.Message(msg)
		if err != nil {
			return err
		}
		if m.Record != "" && (m.Outcome == OutcomeRecord || m.Outcome == OutcomeDuplicate) {
			res = Merge{Record: m.Record, Created: m.Outcome == OutcomeRecord}
			return nil // processed before: idempotent
		}
		src := liaisond.Source{
			MessageID: m.MessageID, Source: m.Source, Received: m.Received,
			EnvelopeFrom: m.EnvelopeFrom, ForwardedBy: st.ForwardedBy,
		}
		keys := []dedupKey{midDedupKey(m.dedupID())}
		if hasContent {
			keys = append(keys, content)
		}
		dedup := tx.bucket(bucketDedup)
		for _, k := range keys {
			if id := dedup.Get(k.key); id != nil {
				res = Merge{Record: string(id), DuplicateOf: k.kind}
				break
			}
		}
		// Bytes are kept whichever way it goes: a duplicate may carry a file we lack.
		st := st
		st.Attachments = slices.Clone(st.Attachments)
		for i := range st.Attachments {
			a := &st.Attachments[i]
			if data, ok := nr.Files[a.SHA256]; ok {
				if err := tx.putAttachment(a.SHA256, data); err != nil {
					return err
				}
			}
			if tx.hasAttachment(a.SHA256) {
				a.StoredAs = AttachmentKey(a.SHA256)
			}
		}
		var rec *liaisond.Record
		if res.Record != "" {
			rec, err = tx.Record(res.Record)
			if err != nil {
				return fmt.Errorf("dedup key points to a missing record: %w", err)
			}
			rec.Sources = append(rec.Sources, src)
			rec.Events = append(rec.Events, liaisond.Event{
				Time: tx.now, Kind: liaisond.EventDuplicate, Actor: sender(&st, &m),
				Text: fmt.Sprintf("Received again via %s (Message-ID <%s>); same %s", m.Source, m.MessageID, res.DuplicateOf),
			})
			m.Outcome = OutcomeDuplicate
		} else {
			id, err := tx.nextRecordID(m.Received.UTC().Year())
			if err != nil {
				return err
			}
			res = Merge{Record: id, Created: true}
			rec = &liaisond.Record{
				ID: id, Statement: st, State: liaisond.StatePending,
				Problems: problems, Related: slices.Clone(nr.Related), Ack: nr.Ack,
				Sources: []liaisond.Source{src},
				Events: []liaisond.Event{
					{Time: tx.now, Kind: liaisond.EventMsgIn, Actor: sender(&st, &m),
						Text: fmt.Sprintf("Received via %s (Message-ID <%s>)", m.Source, m.MessageID)},
					{Time: tx.now, Kind: liaisond.EventSubmitted, Actor: sender(&st, &m),
						Text: "Statement submitted by mail"},
				},
			}
			if st.Deadline != "" {
				rec.Tags = []string{TagRequired}
			}
			m.Outcome = OutcomeRecord
		}
		for _, k := range keys {
			if dedup.Get(k.key) == nil {
				if err := dedup.Put(k.key, []byte(res.Record)); err != nil {
					return fmt.Errorf("dedup key for %s: %w", res.Record, err)
				}
			}
		}
		if err := tx.bucket(bucketRecordMsgs).Put(recordMsgKey(res.Record, msg), present); err != nil {
			return err
		}
		if err := tx.putRecord(rec); err != nil {
			return err
		}
		m.Record, m.Reason = res.Record, ""
		if !res.Created {
			m.Reason = "same " + string(res.DuplicateOf) + " as " + res.Record
		}
		if err := tx.putMessage(&m); err != nil {
			return err
		}
		if nr.Then != nil {
			return nr.Then(tx, res, rec)
		}
		return nil
	}, size)
	if err != nil {
		return Merge{}, fmt.Errorf("record message %d in %s: %w", msg, s.path, err)
	}
	return res, nil
}

// sender names who a statement came from, for its events.
func sender(st *liaisond.Statement, m *Message) string {
	if st.FromContact != nil && st.FromContact.Email != "" {
		return st.FromContact.String()
	}
	return m.EnvelopeFrom
}

// mergeProblems joins problem lists, dropping repeats and keeping the first order.
func mergeProblems(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		for _, p := range l {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
