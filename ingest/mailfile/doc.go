// Package mailfile reads stored mail for backfill import: one .eml file, an mbox (mboxo or
// mboxrd), a Maildir, or a folder of such files, one message at a time.
package mailfile
