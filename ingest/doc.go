// Package ingest takes mail in: the SMTP/LMTP listener, the IMAP poller and file import hand
// raw messages to the Intake, which commits them durably and then reads and records them.
//
// Every source goes through the same Accept → Process path, so a message is stored before
// it is acknowledged and processed the same way whichever way it came.
package ingest
