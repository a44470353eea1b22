// Package store keeps everything liaisond must not lose in one bbolt file: raw messages,
// records with their history, attachments, IMAP checkpoints and the outbox of mail to send.
//
// Every write goes through one group-commit loop (see Store.Update): writers that arrive
// while a commit is under way share the next fsync, and a lone writer never waits for
// company. Callers parse, hash and do network I/O before calling in, never inside a
// transaction.
package store
