package liaisond

// Ack is the acknowledgement decision for a statement: whether it earns a receipt once
// confirmed, to which addresses, and whether the sender may be answered before confirmation.
type Ack struct {
	Send bool     `json:"send"`
	To   []string `json:"to"`
	// Reason says why no acknowledgement goes out, or what limits it.
	Reason string `json:"reason"`
	// OnReceipt is true when the sender is trustworthy enough to be acknowledged before a
	// coordinator confirmed the record (authenticated, taken from headers, not a forward).
	OnReceipt bool `json:"-"`
}
