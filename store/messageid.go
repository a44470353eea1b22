package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// NormalMessageID returns a Message-ID header value in the form in which two are compared:
// the text between the angle brackets, without white space (folding), with the domain
// lower-cased (the left part is case-sensitive by RFC 5322). Empty when there is none.
func NormalMessageID(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	v = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, v)
	if at := strings.LastIndexByte(v, '@'); at >= 0 {
		v = v[:at] + strings.ToLower(v[at:])
	}
	return v
}

// maxMIDKey bounds Message-IDs used as keys; longer ones are keyed by their hash.
const maxMIDKey = 512

// midKey is the key under which a normalised Message-ID is indexed.
func midKey(mid string) string {
	if len(mid) <= maxMIDKey {
		return mid
	}
	sum := sha256.Sum256([]byte(mid))
	return "sha256-of-id:" + hex.EncodeToString(sum[:])
}
