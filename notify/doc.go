// Package notify composes the mail liaisond sends, checks it against one RFC 3834 gate,
// signs reply tokens, decides what a coordinator's reply does, and delivers the outbox.
package notify
