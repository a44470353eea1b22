// Package liaisond holds the vocabulary of liaison statements shared by every part of the
// daemon: statements, contacts, attachments, purposes, record states and events.
//
// It depends on nothing else in the project; parsing, storage and mail live in sub-packages.
package liaisond
