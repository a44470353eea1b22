package store

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/ietf-tools/liaisond"
)

// DedupKind says why a statement was taken for one already recorded.
type DedupKind string

// The reasons for merging a statement into an existing record.
const (
	// DedupMessageID: the same normalised Message-ID arrived before (another list, another
	// mailbox, the same mail imported twice).
	DedupMessageID DedupKind = "message-id"
	// DedupAttachments: same normalised title and the same set of attachment SHA-256s (a
	// re-send, or a chair's forward of a statement we have).
	DedupAttachments DedupKind = "title+attachments"
	// DedupSender: no attachments, same normalised title and the same sender address.
	DedupSender DedupKind = "title+sender"
)

// NormalTitle returns a title in the form in which two are compared: lower case, white
// space collapsed, surrounding quotes and spaces removed. Reply and forward prefixes are
// the parser's to strip.
func NormalTitle(t string) string {
	t = strings.Join(strings.Fields(t), " ")
	t = strings.Trim(t, " \"'“”‘’«»")
	return strings.ToLower(t)
}

// dedupKey is one key under which a record can be found again.
type dedupKey struct {
	kind DedupKind
	key  []byte
}

func midDedupKey(id string) dedupKey {
	return dedupKey{DedupMessageID, []byte("m:" + id)}
}

// contentKey returns the key a statement's content is recognised by, if it has one: title
// plus the attachments' hashes, or title plus sender when there are no attachments. The
// parts are hashed so that keys stay short whatever the title.
func contentKey(st *liaisond.Statement) (dedupKey, bool) {
	title := NormalTitle(st.Title)
	if title == "" {
		return dedupKey{}, false
	}
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	if len(st.Attachments) > 0 {
		sums := make([]string, 0, len(st.Attachments))
		for _, a := range st.Attachments {
			sums = append(sums, strings.ToLower(a.SHA256))
		}
		slices.Sort(sums)
		sums = slices.Compact(sums)
		h.Write([]byte(strings.Join(sums, ",")))
		return dedupKey{DedupAttachments, []byte("a:" + hex.EncodeToString(h.Sum(nil)))}, true
	}
	if st.FromContact == nil || liaisond.NormalEmail(st.FromContact.Email) == "" {
		return dedupKey{}, false
	}
	h.Write([]byte(liaisond.NormalEmail(st.FromContact.Email)))
	return dedupKey{DedupSender, []byte("s:" + hex.EncodeToString(h.Sum(nil)))}, true
}
