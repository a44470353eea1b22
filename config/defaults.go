package config

import (
	"time"
)

// Defaults for optional keys. They are what a careful operator would choose for one intake
// daemon facing the Internet through its SMTP listener.
const (
	DefaultStorePath           = "/var/lib/liaisond/liaisond.db"
	DefaultStoreMaxAttempts    = 5
	DefaultStoreOpenTimeout    = 5 * time.Second
	DefaultMaxMessageBytes     = 50 << 20 // 50 MiB: statements carry DOCX and PDF attachments
	DefaultSMTPMaxRecipients   = 100      // RFC 5321 section 4.5.3.1.8 minimum
	DefaultSMTPMaxLineLength   = 4000     // beyond RFC 5321's 1000, as real mail needs
	DefaultSMTPReadTimeout     = 10 * time.Minute
	DefaultSMTPWriteTimeout    = time.Minute
	DefaultSMTPMaxConnections  = 100
	DefaultSMTPMaxConnsPerIP   = 10
	DefaultSMTPMaxCommands     = 1000
	DefaultIMAPTLS             = "implicit"
	DefaultIMAPAuth            = "plain"
	DefaultIMAPAfter           = "none"
	DefaultIMAPPollInterval    = time.Minute
	DefaultIMAPCommandTimeout  = time.Minute
	DefaultOutgoingTLS         = "starttls"
	DefaultOutgoingMaxPerHour  = 1000
	DefaultOutgoingTimeout     = 2 * time.Minute
	DefaultOutgoingMaxAttempts = 20
	DefaultOutgoingRetryInit   = time.Minute
	DefaultOutgoingRetryMax    = 2 * time.Hour
	DefaultTokenTTL            = 60 * 24 * time.Hour
	DefaultAckPolicy           = "on-confirm"
	DefaultAckMaxPerRcptPerDay = 10
	DefaultHTTPListen          = "127.0.0.1:9187"
	DefaultAdminSocket         = "/run/liaisond/admin.sock"
	DefaultLogLevel            = "info"
	DefaultLogFormat           = "json"
)

// DefaultIMAPMailboxes are the mailboxes watched when an [[imap]] account names none.
var DefaultIMAPMailboxes = []string{"INBOX"}

// defaults returns a Config with every single-section default filled in and no listeners.
func defaults() Config {
	return Config{
		Store: Store{
			Path:        DefaultStorePath,
			MaxAttempts: DefaultStoreMaxAttempts,
			OpenTimeout: DefaultStoreOpenTimeout,
		},
		Outgoing: Outgoing{
			TLS:          DefaultOutgoingTLS,
			MaxPerHour:   DefaultOutgoingMaxPerHour,
			Timeout:      DefaultOutgoingTimeout,
			MaxAttempts:  DefaultOutgoingMaxAttempts,
			RetryInitial: DefaultOutgoingRetryInit,
			RetryMax:     DefaultOutgoingRetryMax,
		},
		Confirm: Confirm{TokenTTL: DefaultTokenTTL},
		Ack: Ack{
			Policy:                DefaultAckPolicy,
			MaxPerRecipientPerDay: DefaultAckMaxPerRcptPerDay,
		},
		HTTP:  HTTP{Listen: DefaultHTTPListen},
		Admin: Admin{Socket: DefaultAdminSocket},
		Log:   Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
	}
}

// setDefaults fills an [[smtp]] listener's optional keys before the file's values are read.
func (s *SMTP) setDefaults() {
	s.MaxMessageBytes = DefaultMaxMessageBytes
	s.MaxRecipients = DefaultSMTPMaxRecipients
	s.MaxLineLength = DefaultSMTPMaxLineLength
	s.ReadTimeout = DefaultSMTPReadTimeout
	s.WriteTimeout = DefaultSMTPWriteTimeout
	s.MaxConnections = DefaultSMTPMaxConnections
	s.MaxConnectionsPerIP = DefaultSMTPMaxConnsPerIP
	s.MaxCommands = DefaultSMTPMaxCommands
}

// setDefaults fills an [[imap]] account's optional keys before the file's values are read.
func (m *IMAP) setDefaults() {
	m.TLS = DefaultIMAPTLS
	m.Auth = DefaultIMAPAuth
	m.Mailboxes = append([]string(nil), DefaultIMAPMailboxes...)
	m.After = DefaultIMAPAfter
	m.PollInterval = DefaultIMAPPollInterval
	m.CommandTimeout = DefaultIMAPCommandTimeout
	m.MaxMessageBytes = DefaultMaxMessageBytes
}

// defaulter is a section whose optional keys have defaults set before decoding.
type defaulter interface{ setDefaults() }
