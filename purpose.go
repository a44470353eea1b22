package liaisond

// Purpose is why a statement was sent, with the Datatracker's slugs.
type Purpose string

// The purposes the Datatracker knows.
const (
	PurposeNone     Purpose = ""
	PurposeAction   Purpose = "action"
	PurposeComment  Purpose = "comment"
	PurposeInfo     Purpose = "info"
	PurposeResponse Purpose = "response"
)

// Valid reports whether p is one of the Datatracker's purposes (or unset).
func (p Purpose) Valid() bool {
	switch p {
	case PurposeNone, PurposeAction, PurposeComment, PurposeInfo, PurposeResponse:
		return true
	}
	return false
}

// Label returns the Datatracker's wording of the purpose ("For action").
func (p Purpose) Label() string {
	switch p {
	case PurposeAction:
		return "For action"
	case PurposeComment:
		return "For comment"
	case PurposeInfo:
		return "For information"
	case PurposeResponse:
		return "In response"
	}
	return ""
}

// NeedsDeadline reports whether the Datatracker expects a deadline for this purpose.
func (p Purpose) NeedsDeadline() bool {
	return p == PurposeAction || p == PurposeComment
}
