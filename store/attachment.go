package store

import (
	"bytes"
	"fmt"
	"strings"
)

// attachmentPrefix starts Attachment.StoredAs: attachments/<hex sha256>.
const attachmentPrefix = "attachments/"

// AttachmentKey returns what Attachment.StoredAs holds for the bytes with this hash.
func AttachmentKey(sha256hex string) string { return attachmentPrefix + sha256hex }

// ValidSHA256 reports whether s is a SHA-256 in lower-case hex, the form the store keys
// attachments by.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hasAttachment reports whether the bytes with this hash are stored.
func (tx *Tx) hasAttachment(sum string) bool {
	return hasBlob(tx.bucket(bucketAttachments), []byte(sum))
}

// putAttachment stores data under its hash unless already there. The caller hashed it
// before the transaction; the store trusts the hash.
func (tx *Tx) putAttachment(sum string, data []byte) error {
	b := tx.bucket(bucketAttachments)
	if hasBlob(b, []byte(sum)) {
		return nil
	}
	if err := putBlob(b, []byte(sum), data); err != nil {
		return fmt.Errorf("attachment %s: %w", sum, err)
	}
	return nil
}

// Attachment returns a copy of the bytes stored under a hash, or under a StoredAs key.
func (s *Store) Attachment(key string) ([]byte, error) {
	sum := strings.TrimPrefix(key, attachmentPrefix)
	var data []byte
	err := s.View(func(tx *Tx) error {
		v := getBlob(tx.bucket(bucketAttachments), []byte(sum))
		if v == nil {
			return fmt.Errorf("attachment %s: %w", sum, ErrNotFound)
		}
		data = bytes.Clone(v)
		return nil
	})
	return data, err
}
