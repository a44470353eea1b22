package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Checkpoint is how far the IMAP poller has read one mailbox.
type Checkpoint struct {
	Account     string    `json:"account"`
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uidvalidity"`
	LastUID     uint32    `json:"last_uid"`
	Updated     time.Time `json:"updated"`
}

func checkpointKey(account, mailbox string) []byte {
	return []byte(account + "\x00" + mailbox)
}

// Checkpoint returns the checkpoint of a mailbox; false when it was never polled.
func (s *Store) Checkpoint(account, mailbox string) (Checkpoint, bool, error) {
	var c Checkpoint
	var found bool
	err := s.View(func(tx *Tx) (err error) {
		found, err = getJSON(tx.bucket(bucketCheckpoints), checkpointKey(account, mailbox), &c)
		return err
	})
	if err != nil {
		return c, false, fmt.Errorf("checkpoint %s/%s: %w", account, mailbox, err)
	}
	return c, found, nil
}

// SetCheckpoint records how far a mailbox was read. Call it only after the messages up
// to LastUID were stored.
func (s *Store) SetCheckpoint(ctx context.Context, c Checkpoint) error {
	if strings.ContainsRune(c.Account, 0) || strings.ContainsRune(c.Mailbox, 0) || c.Account == "" {
		return fmt.Errorf("checkpoint %q/%q: bad account or mailbox name: %w", c.Account, c.Mailbox, ErrInvalid)
	}
	err := s.Update(ctx, func(tx *Tx) error {
		c.Updated = tx.now
		return putJSON(tx.bucket(bucketCheckpoints), checkpointKey(c.Account, c.Mailbox), &c)
	})
	if err != nil {
		return fmt.Errorf("checkpoint %s/%s: %w", c.Account, c.Mailbox, err)
	}
	return nil
}
