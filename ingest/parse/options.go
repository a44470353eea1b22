package parse

import "time"

// Options bound the work Parse does and tell it who "we" are.
type Options struct {
	// OwnAddresses are liaisond's own addresses (intake, reply address); mail from them, or
	// carrying their sub-addresses, is ours. Compared case-insensitively.
	OwnAddresses []string
	// OwnDomains are domains whose Message-IDs liaisond generates (its hostname).
	OwnDomains []string
	// TrustedAuthServID is the authserv-id whose Authentication-Results header is believed.
	// Empty: no header is believed, so no sender counts as authenticated.
	TrustedAuthServID string
	// SDODomains are the sending organisations' mail domains (and their subdomains) whose
	// authenticated senders may be acknowledged on receipt. Empty: the domains of the
	// organisations the parser knows (itu.int, 3gpp.org, etsi.org, ieee.org, ...).
	SDODomains []string
	// MaxHeaderBytes bounds one header section (default 1 MiB).
	MaxHeaderBytes int64
	// MaxDepth bounds MIME nesting (default 64: deep enough for every real client's
	// forwards, shallow enough for the stack; parts, bytes and time are bounded too).
	MaxDepth int
	// MaxParts bounds the number of MIME parts read (default 5000).
	MaxParts int
	// MaxDecodedBytes bounds the decoded bytes kept over all parts (default 64 MiB).
	MaxDecodedBytes int64
	// MaxDocumentBytes bounds what is read out of one DOCX or PDF cover sheet (default 8 MiB).
	MaxDocumentBytes int64
	// Timeout bounds the time spent on one message (default 10s); past it the parser stops
	// reading further parts and says so.
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 1 << 20
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 64
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 5000
	}
	if o.MaxDecodedBytes <= 0 {
		o.MaxDecodedBytes = 64 << 20
	}
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = 8 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return o
}
