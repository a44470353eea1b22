package parse

import liaisond "github.com/ietf-tools/liaisond"

// Kind says what a message turned out to be.
type Kind int

// The kinds of result.
const (
	// NotStatement is anything that is not an incoming liaison statement; Reason says why.
	NotStatement Kind = iota
	// Statement is an incoming liaison statement; Result.Statement holds its fields.
	Statement
	// Command is a coordinator's reply to one of our confirmation requests.
	Command
)

func (k Kind) String() string {
	switch k {
	case Statement:
		return "statement"
	case Command:
		return "command"
	}
	return "not a statement"
}

// Result is what Parse made of one message.
type Result struct {
	Kind Kind
	// MessageID is the outer message's Message-ID without angle brackets.
	MessageID string
	// Reason says why the message is not a statement (Kind NotStatement).
	Reason string
	// Statement holds the fields of a statement (Kind Statement).
	Statement liaisond.Statement
	// Files are the statement's attachments with their decoded bytes, in Statement.Attachments'
	// order.
	Files []File
	// Reply is the coordinator's command (Kind Command).
	Reply *Reply
	// Ack is the acknowledgement decision.
	Ack liaisond.Ack
	// Datatracker is true when the statement came as a Datatracker notification: recorded,
	// never acknowledged.
	Datatracker bool
	// Problems lists missing or doubtful fields and what could not be read.
	Problems []string
}

// File is one attachment and its transfer-decoded bytes.
type File struct {
	liaisond.Attachment
	Data []byte
}

func (r *Result) problem(p string) {
	for _, q := range r.Problems {
		if q == p {
			return
		}
	}
	r.Problems = append(r.Problems, p)
}
