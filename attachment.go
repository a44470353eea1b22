package liaisond

// Attachment describes one file of a statement. The bytes are kept once per SHA-256 by the
// store; the name is data only and never used as a path.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// StoredAs is the key of the bytes inside the store; empty until stored.
	StoredAs string `json:"stored_as,omitempty"`
}
