package config

import (
	"time"
)

// Config is liaisond's whole configuration, as read from one TOML file.
// Every key and its default is documented in systemd/liaisond.toml.
type Config struct {
	Store    Store    `toml:"store"`
	SMTP     []SMTP   `toml:"smtp"`
	IMAP     []IMAP   `toml:"imap"`
	Outgoing Outgoing `toml:"outgoing"`
	Confirm  Confirm  `toml:"confirm"`
	Ack      Ack      `toml:"ack"`
	HTTP     HTTP     `toml:"http"`
	Admin    Admin    `toml:"admin"`
	Log      Log      `toml:"log"`

	// File is the name the configuration was read from, used in messages.
	File string `toml:"-"`

	lines lineIndex // key path → line, for problems found after loading
}

// Store is the [store] section: the bbolt file and how failing messages are handled.
type Store struct {
	// Path is the bbolt database file.
	Path string `toml:"path"`
	// MaxAttempts is how often processing a stored message may fail before it is quarantined.
	MaxAttempts int `toml:"max_attempts"`
	// OpenTimeout is how long to wait for the file lock before giving up (another daemon holds it).
	OpenTimeout time.Duration `toml:"open_timeout"`
}

// SMTP is one [[smtp]] listener: SMTP or LMTP on a TCP address or a Unix socket.
type SMTP struct {
	// Listen is host:port, or an absolute path for a Unix socket.
	Listen string `toml:"listen"`
	// LMTP serves LMTP instead of SMTP.
	LMTP bool `toml:"lmtp"`
	// Hostname is the name in the greeting and in Received headers; empty means the system's.
	Hostname string `toml:"hostname"`
	// Recipients are the addresses accepted at RCPT, with their sub-addresses (local+tag@domain).
	Recipients []string `toml:"recipients"`
	// Domains are further domains under which the local parts of Recipients are accepted.
	Domains []string `toml:"domains"`
	// MaxMessageBytes is the largest message accepted (advertised as SIZE).
	MaxMessageBytes ByteSize `toml:"max_message_bytes"`
	// MaxRecipients is the most RCPT commands accepted per message.
	MaxRecipients int `toml:"max_recipients"`
	// MaxLineLength is the longest command or data line accepted, in bytes.
	MaxLineLength int `toml:"max_line_length"`
	// ReadTimeout bounds the wait for each command and for a whole DATA upload.
	ReadTimeout time.Duration `toml:"read_timeout"`
	// WriteTimeout bounds each reply written.
	WriteTimeout time.Duration `toml:"write_timeout"`
	// MaxConnections is the most concurrent connections; 0 means unlimited (loopback only).
	MaxConnections int `toml:"max_connections"`
	// MaxConnectionsPerIP is the most concurrent connections from one address; 0 means unlimited (loopback only).
	MaxConnectionsPerIP int `toml:"max_connections_per_ip"`
	// MaxCommands is the most commands in one connection; 0 means unlimited.
	MaxCommands int `toml:"max_commands"`
	// TLSCert and TLSKey are PEM files; with both set STARTTLS is offered.
	TLSCert string `toml:"tls_cert"`
	// TLSKey is the private key for TLSCert.
	TLSKey string `toml:"tls_key"`
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465) instead of offering STARTTLS.
	ImplicitTLS bool `toml:"implicit_tls"`
	// TrustedAuthservID is the authserv-id of Authentication-Results headers added by the
	// MTA in front of us that are trusted; empty trusts none.
	TrustedAuthservID string `toml:"trusted_authserv_id"`
}

// IMAP is one [[imap]] account whose mailboxes are polled, read-only.
type IMAP struct {
	// Name identifies the account in logs, metrics, checkpoints and message sources.
	Name string `toml:"name"`
	// Address is the server's host:port.
	Address string `toml:"address"`
	// TLS is implicit, starttls, or none (loopback servers only).
	TLS string `toml:"tls"`
	// InsecureSkipVerify accepts any server certificate. Only for testing.
	InsecureSkipVerify bool `toml:"insecure_skip_verify"`
	// Username is the login name.
	Username string `toml:"username"`
	// Auth is the mechanism: plain (password), xoauth2 or oauthbearer (bearer token).
	Auth string `toml:"auth"`
	// PasswordFile holds the password (auth = "plain").
	PasswordFile string `toml:"password_file"`
	// BearerTokenFile holds the OAuth bearer token (auth = "xoauth2" or "oauthbearer").
	BearerTokenFile string `toml:"bearer_token_file"`
	// Mailboxes are the folders watched.
	Mailboxes []string `toml:"mailboxes"`
	// After is what is done to a message once stored: none, keyword:$Flag or move:Folder.
	After string `toml:"after"`
	// Backfill reads the messages already present on first contact, not only new ones.
	Backfill bool `toml:"backfill"`
	// PollInterval is the time between polls.
	PollInterval time.Duration `toml:"poll_interval"`
	// CommandTimeout bounds each IMAP command.
	CommandTimeout time.Duration `toml:"command_timeout"`
	// MaxMessageBytes is the largest message fetched; larger ones are recorded as failed.
	MaxMessageBytes ByteSize `toml:"max_message_bytes"`
}

// Outgoing is the [outgoing] section: the relay all mail is sent through.
type Outgoing struct {
	// Address is the relay's host:port.
	Address string `toml:"address"`
	// TLS is implicit, starttls, or none (loopback relays only).
	TLS string `toml:"tls"`
	// InsecureSkipVerify accepts any relay certificate. Only for testing.
	InsecureSkipVerify bool `toml:"insecure_skip_verify"`
	// Username and PasswordFile enable AUTH; both or neither.
	Username string `toml:"username"`
	// PasswordFile holds the relay password.
	PasswordFile string `toml:"password_file"`
	// From is the From header and envelope sender of all mail sent.
	From string `toml:"from"`
	// Hostname is the EHLO name; empty means the system's.
	Hostname string `toml:"hostname"`
	// MaxPerHour caps all mail sent; above it sending pauses.
	MaxPerHour int `toml:"max_per_hour"`
	// Timeout bounds connecting and each SMTP command.
	Timeout time.Duration `toml:"timeout"`
	// MaxAttempts is how often delivery of one mail is tried before it is marked failed.
	MaxAttempts int `toml:"max_attempts"`
	// RetryInitial is the wait after the first failed attempt; it doubles up to RetryMax.
	RetryInitial time.Duration `toml:"retry_initial"`
	// RetryMax is the longest wait between attempts.
	RetryMax time.Duration `toml:"retry_max"`
}

// Confirm is the [confirm] section: who confirms records and how their replies come back.
type Confirm struct {
	// Coordinators receive confirmation requests and may answer them.
	Coordinators []string `toml:"coordinators"`
	// ReplyAddress is the address replies go to, as local+c-TOKEN@domain.
	ReplyAddress string `toml:"reply_address"`
	// TokenSecretFile holds the HMAC key for reply tokens.
	TokenSecretFile string `toml:"token_secret_file"`
	// TokenTTL is how long a reply token stays valid.
	TokenTTL time.Duration `toml:"token_ttl"`
}

// Ack is the [ack] section: acknowledgements to the sending SDO.
type Ack struct {
	// Policy is on-confirm (after a coordinator confirmed) or on-receipt (at once for an
	// authenticated sender from one of SDODomains, else on confirmation).
	Policy string `toml:"policy"`
	// Cc is copied on every acknowledgement.
	Cc []string `toml:"cc"`
	// MaxPerRecipientPerDay caps acknowledgements to one address per day.
	MaxPerRecipientPerDay int `toml:"max_per_recipient_per_day"`
	// SDODomains are the sending organisations' mail domains trusted by on-receipt; empty
	// means the domains of the standards bodies the parser knows.
	SDODomains []string `toml:"sdo_domains"`
	// RecordURL, when set, is the base URL where a record can be seen; the id is appended.
	RecordURL string `toml:"record_url"`
}

// HTTP is the [http] section: /metrics, /healthz and /readyz.
type HTTP struct {
	// Listen is host:port; empty disables the listener.
	Listen string `toml:"listen"`
}

// Admin is the [admin] section: the CLI's Unix socket into a running daemon.
type Admin struct {
	// Socket is the Unix socket's path; it is created with mode 0600.
	Socket string `toml:"socket"`
}

// Log is the [log] section.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `toml:"level"`
	// Format is json or console.
	Format string `toml:"format"`
	// File is the log file; empty means standard error.
	File string `toml:"file"`
}
