package mailfile

import "errors"

// Message is one message read from a file.
type Message struct {
	// Name says where the message came from: the file's name for a single message
	// ("statement.eml"), the mbox file's name and the message's 1-based position in it
	// ("archive.mbox#12"), or the path inside a folder or Maildir ("cur/1712.host:2,S").
	Name string
	// Data is the message's bytes exactly as stored (mboxrd ">From " quoting undone).
	// It is nil when Err is set.
	Data []byte
	// EnvelopeFrom is the sender from the mbox "From " line, or empty.
	EnvelopeFrom string
	// Err is set when this message could not be read whole: ErrTooLarge, or an error
	// reading its file. The walk goes on with the next message.
	Err error
}

// ErrTooLarge is wrapped in Message.Err for a message larger than the walker's limit.
var ErrTooLarge = errors.New("message too large")
