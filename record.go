package liaisond

import "time"

// State is where a record stands in its life, with the Datatracker's slugs.
type State string

// The record states.
const (
	StatePending State = "pending"
	StatePosted  State = "posted"
	StateDead    State = "dead"
)

// EventKind names what happened to a record, with the Datatracker's event slugs.
type EventKind string

// The event kinds.
const (
	EventMsgIn     EventKind = "msgin"
	EventMsgOut    EventKind = "msgout"
	EventSubmitted EventKind = "submitted"
	EventModified  EventKind = "modified"
	EventPosted    EventKind = "posted"
	EventKilled    EventKind = "killed"
	EventComment   EventKind = "comment"
	EventDuplicate EventKind = "duplicate"
)

// Event is one entry in a record's append-only history.
type Event struct {
	Time  time.Time `json:"time"`
	Kind  EventKind `json:"type"`
	Actor string    `json:"by"`
	Text  string    `json:"desc"`
}

// Source is one arrival of a message that delivered a record.
type Source struct {
	MessageID    string    `json:"message_id"`
	Source       string    `json:"source"`
	Received     time.Time `json:"received"`
	EnvelopeFrom string    `json:"envelope_from"`
	ForwardedBy  *Contact  `json:"forwarded_by"`
}

// Record is a statement as liaisond keeps it: the fields, their state and their history.
type Record struct {
	ID string `json:"id"` // LS-2026-0042
	Statement
	State    State    `json:"state"`
	Tags     []string `json:"tags"`
	Problems []string `json:"problems"`
	Related  []string `json:"related"`
	Ack      Ack      `json:"ack"`
	Sources  []Source `json:"sources"`
	Events   []Event  `json:"events"`
}
