package notify

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ietf-tools/liaisond"
)

// DefaultTokenTTL is how long a confirmation request can be answered when Config.TokenTTL
// is zero.
const DefaultTokenTTL = 60 * 24 * time.Hour

// minTokenSecret is the shortest token secret accepted: 128 bits.
const minTokenSecret = 16

// Config is what a Composer needs to know about this installation.
type Config struct {
	// From is the sender of every mail (the [outgoing] from).
	From liaisond.Contact
	// ReplyAddress is local@domain; confirmation requests ask for replies at
	// local+c-TOKEN@domain. Empty means From's address.
	ReplyAddress string
	// Hostname is the right-hand side of our Message-IDs. Empty means From's domain.
	Hostname string
	// Coordinators receive confirmation requests.
	Coordinators []string
	// AckCc is copied on every acknowledgement (the coordination address).
	AckCc []string
	// RecordURL says where a record can be seen: a format with one %s for the id, or a
	// base to which the id is appended. Empty: mails give the id only.
	RecordURL string
	// AckOnReceipt is the on-receipt policy: senders the parser trusted were acknowledged
	// at once, and confirming does not acknowledge them again.
	AckOnReceipt bool
	// Gate, when set, screens every recipient: refused ones are left out, and a mail
	// whose To recipients are all refused is marked suppressed. Set it in production.
	Gate *Gate
	// TokenSecret signs reply tokens; at least 16 bytes.
	TokenSecret []byte
	// TokenTTL is how long a confirmation request can be answered (default 60 days).
	TokenTTL time.Duration
	// Now returns the time for Date headers and token expiry (default time.Now).
	Now func() time.Time
	// NewID returns the unique left-hand side of a Message-ID (default 16 random bytes
	// in hex). Tests fix it.
	NewID func() string
}

// Composer writes the mails liaisond sends. It is safe for concurrent use if Now and
// NewID are.
type Composer struct {
	cfg Config
}

// NewComposer checks cfg, fills its defaults and returns a Composer.
func NewComposer(cfg Config) (*Composer, error) {
	if _, _, ok := splitAddress(cfg.From.Email); !ok {
		return nil, fmt.Errorf("notify config: from address %q is not local@domain", cfg.From.Email)
	}
	if cfg.ReplyAddress == "" {
		cfg.ReplyAddress = cfg.From.Email
	}
	if _, _, ok := splitAddress(cfg.ReplyAddress); !ok {
		return nil, fmt.Errorf("notify config: reply address %q is not local@domain", cfg.ReplyAddress)
	}
	if cfg.Hostname == "" {
		_, cfg.Hostname, _ = splitAddress(cfg.From.Email)
	}
	if strings.ContainsAny(cfg.Hostname, "<>@ \t\r\n") {
		return nil, fmt.Errorf("notify config: hostname %q cannot be a Message-ID domain", cfg.Hostname)
	}
	if len(cfg.Coordinators) == 0 {
		return nil, errors.New("notify config: no coordinators to send confirmation requests to")
	}
	for _, a := range append(append([]string{}, cfg.Coordinators...), cfg.AckCc...) {
		if _, _, ok := splitAddress(a); !ok {
			return nil, fmt.Errorf("notify config: address %q is not local@domain", a)
		}
	}
	if len(cfg.TokenSecret) < minTokenSecret {
		return nil, fmt.Errorf("notify config: token secret of %d bytes, want at least %d", len(cfg.TokenSecret), minTokenSecret)
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	return &Composer{cfg: cfg}, nil
}

// randomID returns 16 random bytes in hex.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// messageID returns a fresh Message-ID (without angle brackets).
func (c *Composer) messageID() string {
	return c.cfg.NewID() + "@" + c.cfg.Hostname
}

// recordURL returns where record id can be seen, or "".
func (c *Composer) recordURL(id string) string {
	u := c.cfg.RecordURL
	switch {
	case u == "":
		return ""
	case strings.Contains(u, "%s"):
		return strings.Replace(u, "%s", id, 1)
	default:
		return u + id
	}
}

// From is the sender of every mail the Composer writes.
func (c *Composer) From() liaisond.Contact { return c.cfg.From }
