package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ietf-tools/liaisond"
)

// OutboxKind is what an outgoing mail is.
type OutboxKind string

// The kinds of outgoing mail.
const (
	KindAck       OutboxKind = "ack"
	KindConfirm   OutboxKind = "confirm"
	KindForwarder OutboxKind = "forwarder"
	KindReminder  OutboxKind = "reminder"
	KindReply     OutboxKind = "reply"
)

func (k OutboxKind) valid() bool {
	switch k {
	case KindAck, KindConfirm, KindForwarder, KindReminder, KindReply:
		return true
	}
	return false
}

// OutboxState is where an outgoing mail stands.
type OutboxState string

// The outbox states.
const (
	OutboxQueued     OutboxState = "queued"
	OutboxSent       OutboxState = "sent"
	OutboxFailed     OutboxState = "failed"
	OutboxSuppressed OutboxState = "suppressed"
)

// OutboxEntry is one outgoing mail: `liaisond outbox list`. Raw, the message to send, is
// kept apart and only filled by OutboxEntry (the single-entry getter).
type OutboxEntry struct {
	ID          uint64      `json:"id"`
	Kind        OutboxKind  `json:"kind"`
	Record      string      `json:"record"`
	To          []string    `json:"to"`
	Cc          []string    `json:"cc"`
	Subject     string      `json:"subject"`
	MessageID   string      `json:"message_id"`
	InReplyTo   string      `json:"in_reply_to"`
	State       OutboxState `json:"state"`
	Reason      string      `json:"reason"`
	Attempts    int         `json:"attempts"`
	NextAttempt time.Time   `json:"-"` // in JSON: next_attempt, RFC 3339 or empty
	LastAttempt time.Time   `json:"-"` // in JSON: last_attempt, RFC 3339 or empty
	LastError   string      `json:"last_error"`
	Created     time.Time   `json:"created"`
	Raw         []byte      `json:"-"`
}

type outboxJSON OutboxEntry

// MarshalJSON writes the entry with its times as RFC 3339 or empty strings.
func (e OutboxEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		outboxJSON
		NextAttempt string `json:"next_attempt"`
		LastAttempt string `json:"last_attempt"`
	}{outboxJSON(e), rfc3339(e.NextAttempt), rfc3339(e.LastAttempt)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *OutboxEntry) UnmarshalJSON(data []byte) error {
	var v struct {
		outboxJSON
		NextAttempt string `json:"next_attempt"`
		LastAttempt string `json:"last_attempt"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*e = OutboxEntry(v.outboxJSON)
	var err error
	if e.NextAttempt, err = parseRFC3339(v.NextAttempt); err != nil {
		return err
	}
	e.LastAttempt, err = parseRFC3339(v.LastAttempt)
	return err
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseRFC3339(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func dueKey(at time.Time, id uint64) []byte {
	return append(u64(uint64(at.UnixNano())), u64(id)...)
}

// Enqueue puts a mail into the outbox in tx, so that it goes out if and only if the change
// it belongs to is committed. A zero NextAttempt means at once; State may be set to
// OutboxSuppressed (with Reason) to record a mail the gate stopped. It returns the id.
func (tx *Tx) Enqueue(e OutboxEntry) (uint64, error) {
	if !e.Kind.valid() {
		return 0, fmt.Errorf("enqueue %q mail: unknown kind: %w", e.Kind, ErrInvalid)
	}
	switch e.State {
	case "":
		e.State = OutboxQueued
	case OutboxQueued, OutboxSuppressed:
	default:
		return 0, fmt.Errorf("enqueue %s mail in state %q: %w", e.Kind, e.State, ErrInvalid)
	}
	if e.State == OutboxQueued && (len(e.To) == 0 || len(e.Raw) == 0) {
		return 0, fmt.Errorf("enqueue %s mail for %s: no recipient or no message: %w", e.Kind, e.Record, ErrInvalid)
	}
	id, err := nextSeq(tx.bucket(bucketOutbox))
	if err != nil {
		return 0, fmt.Errorf("enqueue %s mail: %w", e.Kind, err)
	}
	e.ID, e.Attempts, e.Created = id, 0, tx.now
	if e.To == nil {
		e.To = []string{}
	}
	if e.Cc == nil {
		e.Cc = []string{}
	}
	if e.State == OutboxQueued && e.NextAttempt.IsZero() {
		e.NextAttempt = tx.now
	}
	if e.State != OutboxQueued {
		e.NextAttempt = time.Time{}
	}
	if err := tx.bucket(bucketOutboxRaw).Put(u64(id), e.Raw); err != nil {
		return 0, fmt.Errorf("enqueue %s mail %d: %w", e.Kind, id, err)
	}
	if err := tx.putOutbox(&e, time.Time{}); err != nil {
		return 0, err
	}
	return id, nil
}

// putOutbox writes e and keeps the due index in step; prevDue is the entry's previous
// next attempt (zero if it was not queued).
func (tx *Tx) putOutbox(e *OutboxEntry, prevDue time.Time) error {
	due := tx.bucket(bucketOutboxDue)
	if !prevDue.IsZero() {
		if err := due.Delete(dueKey(prevDue, e.ID)); err != nil {
			return err
		}
	}
	if e.State == OutboxQueued {
		if err := due.Put(dueKey(e.NextAttempt, e.ID), present); err != nil {
			return err
		}
	}
	raw := e.Raw
	e.Raw = nil
	defer func() { e.Raw = raw }()
	if err := putJSON(tx.bucket(bucketOutbox), u64(e.ID), e); err != nil {
		return fmt.Errorf("outbox entry %d: %w", e.ID, err)
	}
	return nil
}

// OutboxEntry returns entry id with its raw message from inside tx.
func (tx *Tx) OutboxEntry(id uint64) (OutboxEntry, error) {
	var e OutboxEntry
	ok, err := getJSON(tx.bucket(bucketOutbox), u64(id), &e)
	if err != nil {
		return e, fmt.Errorf("outbox entry %d: %w", id, err)
	}
	if !ok {
		return e, fmt.Errorf("outbox entry %d: %w", id, ErrNotFound)
	}
	e.Raw = bytes.Clone(tx.bucket(bucketOutboxRaw).Get(u64(id)))
	return e, nil
}

// editOutbox loads entry id, lets edit change it and writes it back.
func (s *Store) editOutbox(ctx context.Context, id uint64, edit func(tx *Tx, e *OutboxEntry) error) (OutboxEntry, error) {
	var out OutboxEntry
	err := s.Update(ctx, func(tx *Tx) error {
		var e OutboxEntry
		ok, err := getJSON(tx.bucket(bucketOutbox), u64(id), &e)
		if err != nil {
			return fmt.Errorf("outbox entry %d: %w", id, err)
		}
		if !ok {
			return fmt.Errorf("outbox entry %d: %w", id, ErrNotFound)
		}
		var prev time.Time
		if e.State == OutboxQueued {
			prev = e.NextAttempt
		}
		if err := edit(tx, &e); err != nil {
			return fmt.Errorf("outbox entry %d: %w", id, err)
		}
		out = e
		return tx.putOutbox(&e, prev)
	})
	return out, err
}

// errNotQueued refuses to act on an entry that is no longer waiting to be sent.
func errNotQueued(e *OutboxEntry) error {
	return fmt.Errorf("is %s, not queued: %w", e.State, ErrInvalid)
}

// MarkAttempt records a delivery attempt before it is made: one more attempt, and the
// next one after the backoff, so that a crash during delivery cannot cause a retry storm.
// It returns the entry with its raw message, ready to send.
func (s *Store) MarkAttempt(ctx context.Context, id uint64) (OutboxEntry, error) {
	e, err := s.editOutbox(ctx, id, func(tx *Tx, e *OutboxEntry) error {
		if e.State != OutboxQueued {
			return errNotQueued(e)
		}
		e.Attempts++
		e.LastAttempt = tx.now
		e.NextAttempt = tx.now.Add(s.opts.Backoff(e.Attempts))
		return nil
	})
	if err != nil {
		return e, err
	}
	err = s.View(func(tx *Tx) error {
		e.Raw = bytes.Clone(tx.bucket(bucketOutboxRaw).Get(u64(id)))
		return nil
	})
	return e, err
}

// MarkSent records that entry id was delivered, and a `msgout` event on its record.
func (s *Store) MarkSent(ctx context.Context, id uint64) error {
	_, err := s.editOutbox(ctx, id, func(tx *Tx, e *OutboxEntry) error {
		if e.State == OutboxSent {
			return nil
		}
		if e.State != OutboxQueued {
			return errNotQueued(e)
		}
		e.State, e.NextAttempt, e.LastError = OutboxSent, time.Time{}, ""
		if e.Record == "" {
			return nil
		}
		return tx.AddEvent(e.Record, liaisond.Event{
			Kind: liaisond.EventMsgOut, Actor: "liaisond",
			Text: fmt.Sprintf("Sent %s mail to %s: %s", e.Kind, strings.Join(e.To, ", "), e.Subject),
		})
	})
	return err
}

// MarkSendFailed records a failed delivery of entry id. A temporary failure leaves it
// queued for the attempt MarkAttempt scheduled, unless it has had
// Options.OutboxMaxAttempts; a permanent one fails it for good. It returns the new state.
func (s *Store) MarkSendFailed(ctx context.Context, id uint64, cause error, permanent bool) (OutboxState, error) {
	e, err := s.editOutbox(ctx, id, func(tx *Tx, e *OutboxEntry) error {
		if e.State != OutboxQueued {
			return errNotQueued(e)
		}
		if cause != nil {
			e.LastError = cause.Error()
		}
		if permanent || e.Attempts >= s.opts.OutboxMaxAttempts {
			e.State, e.NextAttempt = OutboxFailed, time.Time{}
			e.Reason = fmt.Sprintf("gave up after %d attempts", e.Attempts)
			if permanent {
				e.Reason = "permanent failure"
			}
		}
		return nil
	})
	return e.State, err
}

// Suppress stops entry id from being sent, recording why.
func (s *Store) Suppress(ctx context.Context, id uint64, reason string) error {
	_, err := s.editOutbox(ctx, id, func(tx *Tx, e *OutboxEntry) error {
		if e.State != OutboxQueued {
			return errNotQueued(e)
		}
		e.State, e.Reason, e.NextAttempt = OutboxSuppressed, reason, time.Time{}
		return nil
	})
	return err
}

// Due lists the queued entries whose next attempt is at or before now, soonest first,
// without their raw messages.
func (s *Store) Due(now time.Time) ([]OutboxEntry, error) {
	var list []OutboxEntry
	limit := u64(uint64(now.UnixNano()))
	err := s.View(func(tx *Tx) error {
		c := tx.bucket(bucketOutboxDue).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0; k, _ = c.Next() {
			var e OutboxEntry
			ok, err := getJSON(tx.bucket(bucketOutbox), k[8:], &e)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("due index names missing outbox entry %x: %w", k[8:], ErrNotFound)
			}
			list = append(list, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list due mail in %s: %w", s.path, err)
	}
	return list, nil
}

// Outbox lists every outgoing mail in id order, without raw messages.
func (s *Store) Outbox() ([]OutboxEntry, error) {
	var list []OutboxEntry
	err := s.View(func(tx *Tx) error {
		return tx.bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var e OutboxEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox entry %x: %w", k, err)
			}
			list = append(list, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list outbox in %s: %w", s.path, err)
	}
	return list, nil
}

// OutboxEntry returns entry id with its raw message.
func (s *Store) OutboxEntry(id uint64) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.View(func(tx *Tx) (err error) { e, err = tx.OutboxEntry(id); return err })
	return e, err
}

// Retry puts a failed (or queued) entry back in the queue to be tried now, with a fresh
// count of attempts: an operator's `outbox retry` after fixing the relay.
func (s *Store) Retry(ctx context.Context, id uint64) error {
	_, err := s.editOutbox(ctx, id, func(tx *Tx, e *OutboxEntry) error {
		switch e.State {
		case OutboxFailed, OutboxQueued:
		default:
			return fmt.Errorf("is %s: only a failed or queued mail can be retried: %w", e.State, ErrInvalid)
		}
		e.State, e.Reason, e.Attempts, e.NextAttempt = OutboxQueued, "", 0, tx.now
		return nil
	})
	return err
}
