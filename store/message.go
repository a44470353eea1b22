package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// MsgID identifies one arrival of a message in the store.
type MsgID uint64

// String returns the id in decimal.
func (id MsgID) String() string { return strconv.FormatUint(uint64(id), 10) }

// Outcome is what became of a message taken in.
type Outcome string

// The outcomes of `liaisond messages list`.
const (
	OutcomePending     Outcome = "pending"     // committed, not processed yet
	OutcomeRecord      Outcome = "record"      // made a new record
	OutcomeDuplicate   Outcome = "duplicate"   // attached to an existing record
	OutcomeIgnore      Outcome = "ignore"      // not a statement; Reason says why
	OutcomeCommand     Outcome = "command"     // a coordinator's reply command
	OutcomeFailed      Outcome = "failed"      // processing failed; it will be retried
	OutcomeQuarantined Outcome = "quarantined" // failed MaxAttempts times; left alone
)

// unfinished reports whether a message with outcome o still needs processing.
func (o Outcome) unfinished() bool { return o == OutcomePending || o == OutcomeFailed }

func (o Outcome) valid() bool {
	switch o {
	case OutcomePending, OutcomeRecord, OutcomeDuplicate, OutcomeIgnore, OutcomeCommand,
		OutcomeFailed, OutcomeQuarantined:
		return true
	}
	return false
}

// Envelope is the provenance of a message as its source knows it.
type Envelope struct {
	// Source names where it came from: smtp:<listen address>, imap:<account>/<mailbox> or
	// import:<file name>.
	Source string
	// From is the envelope sender (SMTP MAIL FROM, or the Return-Path); may be empty.
	From string
	// To lists the envelope recipients where known.
	To []string
	// Received is when the source accepted it; zero means now.
	Received time.Time
	// MessageID is the Message-ID header as read (normalised by the store).
	MessageID string
	// Quiet records the message without queueing any mail because of it: backfill of
	// history (import --no-notify, an IMAP backfill) must not mail anyone.
	Quiet bool
}

// Message is one message taken in, without its bytes: `liaisond messages list`.
type Message struct {
	ID           MsgID     `json:"id"`
	MessageID    string    `json:"message_id"`
	Source       string    `json:"source"`
	Received     time.Time `json:"received"`
	EnvelopeFrom string    `json:"envelope_from"`
	Recipients   []string  `json:"recipients"`
	Size         int64     `json:"size"`
	// RawSHA256 is the hash of the bytes when the message had no Message-ID; it then
	// stands in for the Message-ID in deduplication.
	RawSHA256 string  `json:"raw_sha256,omitempty"`
	Outcome   Outcome `json:"outcome"`
	Record    string  `json:"record"`
	Reason    string  `json:"reason"`
	Attempts  int     `json:"attempts"`
	// Quiet: no mail is sent because of this message (see Envelope.Quiet).
	Quiet bool `json:"quiet,omitempty"`
}

// dedupID is the identity used to recognise the same message arriving again.
func (m *Message) dedupID() string {
	if m.MessageID != "" {
		return midKey(m.MessageID)
	}
	return "sha256:" + m.RawSHA256
}

// PutMessage stores raw, exactly as received, with its provenance, and returns once the
// commit holding it is on disk: only then may the source acknowledge it. The message is
// pending until SetOutcome, MarkFailed or CreateOrMerge says what became of it. raw is
// not copied; the caller must not change it before PutMessage returns.
func (s *Store) PutMessage(ctx context.Context, env Envelope, raw []byte) (MsgID, error) {
	m := Message{
		MessageID:    NormalMessageID(env.MessageID),
		Source:       env.Source,
		Received:     env.Received,
		EnvelopeFrom: env.From,
		Recipients:   append([]string{}, env.To...),
		Size:         int64(len(raw)),
		Outcome:      OutcomePending,
		Quiet:        env.Quiet,
	}
	if m.Received.IsZero() {
		m.Received = s.opts.Now()
	}
	if m.MessageID == "" {
		sum := sha256.Sum256(raw) // hashed here, outside the write transaction
		m.RawSHA256 = hex.EncodeToString(sum[:])
	}
	// A Message-ID is whatever the sender wrote, up to the header limit: one too long to be
	// real is kept as the hash it is indexed under, so that provenance stays small.
	m.MessageID = midKey(m.MessageID)
	meta, err := json.Marshal(&m)
	if err != nil {
		return 0, fmt.Errorf("store message from %s: %w", env.Source, err)
	}
	if len(meta) > maxFrameMeta {
		return 0, fmt.Errorf("store message from %s: provenance of %d bytes (envelope too large): %w", env.Source, len(meta), ErrInvalid)
	}
	p := &spooled{m: m, meta: meta, raw: raw, crc: payloadCRC(meta, raw)}
	if err := s.put(ctx, p); err != nil {
		return 0, fmt.Errorf("store message from %s (%d bytes) in %s: %w", env.Source, len(raw), s.path, err)
	}
	return p.m.ID, nil
}

// indexMessage records a spooled message in the database: its provenance, where its bytes
// are, its Message-ID and its place among the pending messages. It also moves the
// database's record of the spool's end and the message sequence past it.
func (tx *Tx) indexMessage(m *Message, loc rawLoc) error {
	key := u64(uint64(m.ID))
	msgs := tx.bucket(bucketMessages)
	if err := putJSON(msgs, key, m); err != nil {
		return err
	}
	if err := tx.bucket(bucketRawLoc).Put(key, loc.encode()); err != nil {
		return err
	}
	if err := tx.bucket(bucketMsgIDs).Put(msgIDIndexKey(m.dedupID(), m.ID), present); err != nil {
		return err
	}
	if m.Outcome.unfinished() {
		if err := tx.bucket(bucketTodo).Put(key, present); err != nil {
			return err
		}
	}
	if uint64(m.ID) > msgs.Sequence() {
		if err := msgs.SetSequence(uint64(m.ID)); err != nil {
			return err
		}
	}
	return tx.bucket(bucketMeta).Put(keySpoolEnd, encodeSpoolEnd(loc.seg, loc.end()))
}

func msgIDIndexKey(mid string, id MsgID) []byte {
	k := make([]byte, 0, len(mid)+9)
	k = append(k, mid...)
	k = append(k, 0)
	return append(k, u64(uint64(id))...)
}

// Message returns a message's provenance and outcome from inside a transaction.
func (tx *Tx) Message(id MsgID) (Message, error) {
	var m Message
	ok, err := getJSON(tx.bucket(bucketMessages), u64(uint64(id)), &m)
	if err != nil {
		return m, fmt.Errorf("message %d: %w", id, err)
	}
	if !ok {
		return m, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	return m, nil
}

func (tx *Tx) putMessage(m *Message) error {
	key := u64(uint64(m.ID))
	if err := putJSON(tx.bucket(bucketMessages), key, m); err != nil {
		return fmt.Errorf("message %d: %w", m.ID, err)
	}
	todo := tx.bucket(bucketTodo)
	if m.Outcome.unfinished() {
		return todo.Put(key, present)
	}
	return todo.Delete(key)
}

// SetOutcome records what became of a message (ignore, command, ...) inside tx.
func (tx *Tx) SetOutcome(id MsgID, o Outcome, record, reason string) error {
	if !o.valid() {
		return fmt.Errorf("message %d: outcome %q: %w", id, o, ErrInvalid)
	}
	m, err := tx.Message(id)
	if err != nil {
		return err
	}
	m.Outcome, m.Record, m.Reason = o, record, reason
	return tx.putMessage(&m)
}

// SetOutcome records what became of a message: a non-statement with its reason, a
// command with the record it acted on.
func (s *Store) SetOutcome(ctx context.Context, id MsgID, o Outcome, record, reason string) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.SetOutcome(id, o, record, reason) })
}

// MarkFailed records that processing message id failed with cause. After
// Options.MaxAttempts failures the message is quarantined: kept and listed, no longer
// retried. Only a pending or failed message can fail. It returns the outcome the message
// now has.
func (s *Store) MarkFailed(ctx context.Context, id MsgID, cause error) (Outcome, error) {
	var out Outcome
	err := s.Update(ctx, func(tx *Tx) error {
		m, err := tx.Message(id)
		if err != nil {
			return err
		}
		if !m.Outcome.unfinished() {
			return fmt.Errorf("message %d is %s already: %w", id, m.Outcome, ErrInvalid)
		}
		m.Attempts++
		m.Outcome = OutcomeFailed
		if m.Attempts >= s.opts.MaxAttempts {
			m.Outcome = OutcomeQuarantined
		}
		if cause != nil {
			m.Reason = cause.Error()
		}
		out = m.Outcome
		return tx.putMessage(&m)
	})
	return out, err
}

// Message returns a message's provenance and outcome.
func (s *Store) Message(id MsgID) (Message, error) {
	s.waitIndexed(id)
	var m Message
	err := s.View(func(tx *Tx) (err error) { m, err = tx.Message(id); return err })
	return m, err
}

// Messages lists every message taken in, in arrival order.
func (s *Store) Messages() ([]Message, error) {
	s.waitIndexedAll()
	var list []Message
	err := s.View(func(tx *Tx) error {
		return tx.bucket(bucketMessages).ForEach(func(k, v []byte) error {
			var m Message
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("message %x: %w", k, err)
			}
			list = append(list, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list messages in %s: %w", s.path, err)
	}
	return list, nil
}

// Unfinished lists the messages still pending or failed (not quarantined), in arrival
// order: what to process again after a restart.
func (s *Store) Unfinished() ([]Message, error) {
	s.waitIndexedAll()
	var list []Message
	err := s.View(func(tx *Tx) error {
		return tx.bucket(bucketTodo).ForEach(func(k, _ []byte) error {
			var m Message
			ok, err := getJSON(tx.bucket(bucketMessages), k, &m)
			if err != nil || !ok {
				return fmt.Errorf("todo entry %x without message: %w", k, ErrNotFound)
			}
			list = append(list, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list unfinished messages in %s: %w", s.path, err)
	}
	return list, nil
}

// Raw returns a copy of the bytes of message id as received.
func (s *Store) Raw(id MsgID) ([]byte, error) {
	var buf bytes.Buffer
	if m, err := s.Message(id); err == nil {
		buf.Grow(int(m.Size))
	}
	if _, err := s.WriteRaw(id, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteRaw writes the bytes of message id to w straight from the file, without a copy in
// memory, checking them against their checksum on the way (an error after the write says
// they were damaged). Bytes kept inside the database file (older messages, restored
// backups) are written from within a read transaction, so w should be fast.
func (s *Store) WriteRaw(id MsgID, w io.Writer) (int64, error) {
	s.waitIndexed(id)
	var n int
	var loc rawLoc
	spooled := false
	err := s.View(func(tx *Tx) error {
		key := u64(uint64(id))
		if loc, spooled = decodeRawLoc(tx.bucket(bucketRawLoc).Get(key)); spooled {
			return nil
		}
		v := getBlob(tx.bucket(bucketRaw), key)
		if v == nil {
			return fmt.Errorf("raw message %d: %w", id, ErrNotFound)
		}
		var err error
		n, err = w.Write(v)
		if err != nil {
			return fmt.Errorf("write raw message %d: %w", id, err)
		}
		return nil
	})
	if err != nil || !spooled {
		return int64(n), err
	}
	return s.spool.copyBody(id, loc, w)
}

// HasMessageID reports whether a message with this Message-ID (in any form the header
// may carry it) was ever taken in.
func (s *Store) HasMessageID(messageID string) (bool, error) {
	mid := NormalMessageID(messageID)
	if mid == "" {
		return false, nil
	}
	s.waitIndexedAll()
	var found bool
	err := s.View(func(tx *Tx) error {
		prefix := append([]byte(midKey(mid)), 0)
		k, _ := tx.bucket(bucketMsgIDs).Cursor().Seek(prefix)
		found = k != nil && bytes.HasPrefix(k, prefix)
		return nil
	})
	return found, err
}
