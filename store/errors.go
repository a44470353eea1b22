package store

import "errors"

// Errors callers can test for with errors.Is.
var (
	// ErrLocked means another process (normally a running liaisond) holds the file's lock.
	ErrLocked = errors.New("store: another liaisond holds the database file")
	// ErrNewerSchema means the file was written by a newer liaisond than this one.
	ErrNewerSchema = errors.New("store: database written by a newer liaisond")
	// ErrNotFound means the message, record, outbox entry or attachment does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed means the store was closed before the write could be queued.
	ErrClosed = errors.New("store: closed")
	// ErrReadOnly means a write was attempted on a store opened read-only.
	ErrReadOnly = errors.New("store: opened read-only")
	// ErrUnindexed means a read-only store's spool holds messages acknowledged just before
	// a crash that only a read-write open indexes.
	ErrUnindexed = errors.New("store: spool holds messages not yet indexed; start liaisond (a read-write open indexes them) and try again")
	// ErrInvalid means the caller passed something the store refuses to keep.
	ErrInvalid = errors.New("store: invalid input")
)
