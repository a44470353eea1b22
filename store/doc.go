// Package store keeps everything liaisond must not lose: raw messages in an append-only
// spool beside a bbolt file that holds their index, records, attachments, checkpoints and
// the outbox.
//
// Writes go through a two-stage group commit (groupcommit.go): messages that arrive while
// the spool is busy share its next fsync and are acknowledged then, and their index joins
// the next bbolt transaction together with the other writes queued; a lone writer never
// waits for company. Callers parse, hash and do network I/O before calling in, never inside
// a transaction.
package store
