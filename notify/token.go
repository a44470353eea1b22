package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ietf-tools/liaisond/store"
)

// Errors ParseToken returns, testable with errors.Is.
var (
	// ErrTokenMalformed means the text is not a token at all: bad characters or length.
	ErrTokenMalformed = errors.New("reply token malformed")
	// ErrTokenVersion means the token was made by a format this liaisond does not know.
	ErrTokenVersion = errors.New("reply token of unknown version")
	// ErrTokenSignature means the token was not signed with our secret: forged or altered.
	ErrTokenSignature = errors.New("reply token signature invalid")
	// ErrTokenExpired means the token was genuine but is past its expiry.
	ErrTokenExpired = errors.New("reply token expired")
)

// Token actions: what the mail carrying the token asks for. A confirmation request's token
// (ActionConfirm) accepts confirm, reject and edit replies.
const (
	ActionConfirm = "confirm"
	ActionReject  = "reject"
	ActionEdit    = "edit"
)

// tokenActions maps an action to its byte in the token; the order is part of the format.
var tokenActions = []string{1: ActionConfirm, 2: ActionReject, 3: ActionEdit}

const (
	tokenVersion = 1
	// tokenPayloadLen is version(1) + year(2) + record number(4) + action(1) + expiry(4).
	tokenPayloadLen = 12
	// tokenMACLen is the HMAC-SHA256 prefix kept: 128 bits.
	tokenMACLen = 16
	tokenLen    = tokenPayloadLen + tokenMACLen
	// tokenMaxText bounds the text ParseToken looks at before decoding anything.
	tokenMaxText = 64
	// tokenMACLabel separates reply-token MACs from any other use of the secret.
	tokenMACLabel = "liaisond reply token\x00"
)

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Token is what a valid reply token says.
type Token struct {
	// Version is the token format (1).
	Version int
	// Record is the record id the token is bound to (LS-2026-0042).
	Record string
	// Action is what the mail carrying the token asked for (ActionConfirm...).
	Action string
	// Expires is when the token stops being accepted (whole seconds, UTC).
	Expires time.Time
}

// NewToken signs a reply token for record and action that stops working at expires. The
// token is lowercase base32 without padding, 45 characters: a version byte, the record as
// year and number, the action, the expiry in Unix seconds, and 128 bits of HMAC-SHA256
// under secret. It fails for an empty secret, a record id that is not LS-YYYY-NNNN (or
// too large to pack), an unknown action or an expiry outside 1970-2106.
func NewToken(secret []byte, record, action string, expires time.Time) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("make reply token: empty token secret")
	}
	year, n, ok := store.ParseRecordID(record)
	if !ok || year > math.MaxUint16 || n > math.MaxUint32 {
		return "", fmt.Errorf("make reply token for %q: not a record id that fits a token", record)
	}
	code := actionCode(action)
	if code == 0 {
		return "", fmt.Errorf("make reply token for %s: unknown action %q", record, action)
	}
	exp := expires.Unix()
	if exp <= 0 || exp > math.MaxUint32 {
		return "", fmt.Errorf("make reply token for %s: expiry %s out of range", record, expires)
	}
	b := make([]byte, tokenPayloadLen, tokenLen)
	b[0] = tokenVersion
	binary.BigEndian.PutUint16(b[1:3], uint16(year))
	binary.BigEndian.PutUint32(b[3:7], uint32(n))
	b[7] = code
	binary.BigEndian.PutUint32(b[8:12], uint32(exp))
	b = append(b, tokenMAC(secret, b)...)
	return strings.ToLower(tokenEncoding.EncodeToString(b)), nil
}

// ParseToken checks token against secret and now and returns what it says. The errors are
// ErrTokenMalformed, ErrTokenVersion, ErrTokenSignature and ErrTokenExpired, checked in
// that order, so that nothing but a genuine token is ever reported as merely expired; with
// ErrTokenExpired the Token is returned too. Case is ignored; the MAC is compared in
// constant time.
func ParseToken(secret []byte, token string, now time.Time) (Token, error) {
	if len(token) == 0 || len(token) > tokenMaxText {
		return Token{}, fmt.Errorf("reply token of %d characters: %w", len(token), ErrTokenMalformed)
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return Token{}, fmt.Errorf("reply token: character %q: %w", token[i], ErrTokenMalformed)
		}
	}
	b, err := tokenEncoding.DecodeString(strings.ToUpper(token))
	if err != nil || len(b) == 0 {
		return Token{}, fmt.Errorf("reply token: not base32: %w", ErrTokenMalformed)
	}
	if b[0] != tokenVersion {
		return Token{}, fmt.Errorf("reply token version %d: %w", b[0], ErrTokenVersion)
	}
	if len(b) != tokenLen {
		return Token{}, fmt.Errorf("reply token of %d bytes, want %d: %w", len(b), tokenLen, ErrTokenMalformed)
	}
	if len(secret) == 0 || !hmac.Equal(b[tokenPayloadLen:], tokenMAC(secret, b[:tokenPayloadLen])) {
		return Token{}, fmt.Errorf("reply token: %w", ErrTokenSignature)
	}
	year := int(binary.BigEndian.Uint16(b[1:3]))
	n := uint64(binary.BigEndian.Uint32(b[3:7]))
	code := b[7]
	if int(code) >= len(tokenActions) || tokenActions[code] == "" || n == 0 {
		return Token{}, fmt.Errorf("reply token: signed but unreadable content: %w", ErrTokenMalformed)
	}
	t := Token{
		Version: tokenVersion,
		Record:  store.FormatRecordID(year, n),
		Action:  tokenActions[code],
		Expires: time.Unix(int64(binary.BigEndian.Uint32(b[8:12])), 0).UTC(),
	}
	if !now.Before(t.Expires) {
		return t, fmt.Errorf("reply token for %s expired at %s: %w", t.Record, t.Expires.Format(time.RFC3339), ErrTokenExpired)
	}
	return t, nil
}

func actionCode(action string) byte {
	for i, a := range tokenActions {
		if a != "" && a == action {
			return byte(i)
		}
	}
	return 0
}

func tokenMAC(secret, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tokenMACLabel))
	m.Write(payload)
	return m.Sum(nil)[:tokenMACLen]
}
