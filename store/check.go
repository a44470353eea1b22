package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// maxCheckErrors bounds the list Check returns.
const maxCheckErrors = 100

// Check verifies the file's page structure (bbolt's own check) and the store's
// cross-references: raw bytes for every message (read back and checked against their
// checksums), the pending index, records behind every
// message and dedup key, attachment bytes behind every record, the outbox's due index.
// It returns the problems found, at most 100; none means the file is sound.
func (s *Store) Check() []error {
	var errs []error
	add := func(format string, args ...any) bool {
		errs = append(errs, fmt.Errorf("check %s: "+format, append([]any{s.path}, args...)...))
		return len(errs) < maxCheckErrors
	}
	s.waitIndexedAll()
	if err := s.unindexed(); err != nil {
		add("%w", err)
	}
	for _, err := range s.checkPages() {
		if !add("%w", err) {
			return errs
		}
	}
	err := s.db.View(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx, s: s}
		if v := schemaVersion(btx); v != SchemaVersion {
			add("schema version %d, want %d", v, SchemaVersion)
		}
		msgs, raw, todo := tx.bucket(bucketMessages), tx.bucket(bucketRaw), tx.bucket(bucketTodo)
		rawLocs := tx.bucket(bucketRawLoc)
		recs, recMsgs := tx.bucket(bucketRecords), tx.bucket(bucketRecordMsgs)
		recordExists := func(id string) bool {
			k, ok := recordKey(id)
			return ok && recs.Get(k) != nil
		}
		_ = msgs.ForEach(func(k, v []byte) error {
			var m Message
			if err := json.Unmarshal(v, &m); err != nil {
				add("message %x: %v", k, err)
				return nil
			}
			if loc, ok := decodeRawLoc(rawLocs.Get(k)); ok {
				if n, err := s.spool.copyBody(m.ID, loc, io.Discard); err != nil || n != m.Size {
					add("message %d: raw bytes in the spool not %d bytes or damaged: %v", m.ID, m.Size, err)
				}
			} else if r := getBlob(raw, k); r == nil || int64(len(r)) != m.Size {
				add("message %d: raw bytes missing or not %d bytes", m.ID, m.Size)
			}
			if m.Outcome.unfinished() != (todo.Get(k) != nil) {
				add("message %d: outcome %s disagrees with the pending index", m.ID, m.Outcome)
			}
			if m.Outcome == OutcomeRecord || m.Outcome == OutcomeDuplicate {
				if !recordExists(m.Record) {
					add("message %d: record %q does not exist", m.ID, m.Record)
				} else if recMsgs.Get(recordMsgKey(m.Record, m.ID)) == nil {
					add("message %d: record %s does not list it", m.ID, m.Record)
				}
			}
			return nil
		})
		_ = raw.ForEach(func(k, _ []byte) error {
			if msgs.Get(k) == nil {
				add("raw bytes %x without a message", k)
			}
			return nil
		})
		_ = rawLocs.ForEach(func(k, _ []byte) error {
			if msgs.Get(k) == nil {
				add("spool location %x without a message", k)
			}
			return nil
		})
		_ = todo.ForEach(func(k, _ []byte) error {
			if msgs.Get(k) == nil {
				add("pending index entry %x without a message", k)
			}
			return nil
		})
		_ = tx.bucket(bucketMsgIDs).ForEach(func(k, _ []byte) error {
			if len(k) < 9 || msgs.Get(k[len(k)-8:]) == nil {
				add("Message-ID index entry %q without a message", k)
			}
			return nil
		})
		atts := tx.bucket(bucketAttachments)
		_ = recs.ForEach(func(k, v []byte) error {
			var sr storedRecord
			if err := json.Unmarshal(v, &sr); err != nil {
				add("record %x: %v", k, err)
				return nil
			}
			if rk, ok := recordKey(sr.ID); !ok || string(rk) != string(k) {
				add("record %q stored under the wrong key", sr.ID)
			}
			for _, a := range sr.Attachments {
				if a.StoredAs != "" && !hasBlob(atts, []byte(strings.TrimPrefix(a.StoredAs, attachmentPrefix))) {
					add("record %s: attachment %q: no bytes at %s", sr.ID, a.Filename, a.StoredAs)
				}
			}
			return nil
		})
		_ = tx.bucket(bucketDedup).ForEach(func(k, v []byte) error {
			if !recordExists(string(v)) {
				add("dedup key %q names missing record %q", k, v)
			}
			return nil
		})
		out, outRaw, due := tx.bucket(bucketOutbox), tx.bucket(bucketOutboxRaw), tx.bucket(bucketOutboxDue)
		queued := 0
		_ = out.ForEach(func(k, v []byte) error {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				add("outbox entry %x: %v", k, err)
				return nil
			}
			if outRaw.Get(k) == nil && e.State == OutboxQueued {
				add("outbox entry %d: no message to send", e.ID)
			}
			if e.State == OutboxQueued {
				queued++
				if due.Get(dueKey(e.NextAttempt, e.ID)) == nil {
					add("outbox entry %d: queued but not in the due index", e.ID)
				}
			}
			if e.Record != "" && !recordExists(e.Record) {
				add("outbox entry %d: record %q does not exist", e.ID, e.Record)
			}
			return nil
		})
		if n := due.Stats().KeyN; n != queued {
			add("due index has %d entries for %d queued mails", n, queued)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("check %s: %w", s.path, err))
	}
	return errs
}

// checkPages runs bbolt's page check. bbolt's check reads the free list, which a commit
// changes: so it runs in a write transaction of its own, between group commits.
func (s *Store) checkPages() []error {
	var errs []error
	check := func(btx *bolt.Tx) {
		errs = errs[:0]
		for err := range btx.Check() { // read to the end: bbolt's checker stops only then
			if len(errs) < maxCheckErrors {
				errs = append(errs, err)
			}
		}
	}
	var err error
	if s.gc == nil {
		err = s.db.View(func(btx *bolt.Tx) error { check(btx); return nil })
	} else {
		err = s.Update(context.Background(), func(tx *Tx) error { check(tx.tx); return nil })
	}
	if err != nil {
		errs = append(errs, err)
	}
	return errs
}
