package liaisond

// Statement is what a liaison statement says: the fields of the Datatracker's
// LiaisonStatement that a mail carries. Its JSON form uses the `liaisond parse` keys.
type Statement struct {
	Title             string       `json:"title"`
	OtherIdentifiers  []string     `json:"other_identifiers"`
	FromOrg           string       `json:"from_org"`
	FromGroups        []string     `json:"from_groups"`
	ToGroups          []string     `json:"to_groups"`
	FromContact       *Contact     `json:"from_contact"`
	ToContacts        []Contact    `json:"to_contacts"`
	ResponseContacts  []Contact    `json:"response_contacts"`
	TechnicalContacts []Contact    `json:"technical_contacts"`
	CcContacts        []Contact    `json:"cc_contacts"`
	Purpose           Purpose      `json:"purpose"`
	Deadline          string       `json:"deadline"` // YYYY-MM-DD or empty
	Body              string       `json:"body"`
	Attachments       []Attachment `json:"attachments"`
	ForwardedBy       *Contact     `json:"forwarded_by"`
}

// Normalize replaces nil lists by empty ones, so that JSON shows [] and never null.
func (s *Statement) Normalize() {
	for _, l := range []*[]string{&s.OtherIdentifiers, &s.FromGroups, &s.ToGroups} {
		if *l == nil {
			*l = []string{}
		}
	}
	for _, l := range []*[]Contact{&s.ToContacts, &s.ResponseContacts, &s.TechnicalContacts, &s.CcContacts} {
		if *l == nil {
			*l = []Contact{}
		}
	}
	if s.Attachments == nil {
		s.Attachments = []Attachment{}
	}
}

// Problems lists what the Datatracker would refuse or a coordinator should check: the
// Datatracker's form checks, as problems rather than rejections.
func (s *Statement) Problems() []string {
	var p []string
	if s.Title == "" {
		p = append(p, "no title")
	}
	if len(s.FromGroups) == 0 {
		p = append(p, "no sending group (from_groups)")
	}
	if len(s.ToGroups) == 0 {
		p = append(p, "no IETF group addressed (to_groups)")
	}
	if s.FromContact == nil && len(s.ResponseContacts) == 0 && len(s.TechnicalContacts) == 0 {
		p = append(p, "no contact")
	}
	if s.Body == "" && len(s.Attachments) == 0 {
		p = append(p, "neither body nor attachment")
	}
	if s.Purpose == PurposeNone {
		p = append(p, "no purpose")
	}
	if s.Purpose.NeedsDeadline() && s.Deadline == "" {
		p = append(p, "purpose "+string(s.Purpose)+" without a deadline")
	}
	for _, c := range s.allContacts() {
		if !asciiAddress(c.Email) {
			p = append(p, "address is not plain ASCII: "+c.Email)
		}
	}
	return p
}

func (s *Statement) allContacts() []Contact {
	var all []Contact
	if s.FromContact != nil {
		all = append(all, *s.FromContact)
	}
	all = append(all, s.ToContacts...)
	all = append(all, s.ResponseContacts...)
	all = append(all, s.TechnicalContacts...)
	return append(all, s.CcContacts...)
}

func asciiAddress(a string) bool {
	for i := 0; i < len(a); i++ {
		if a[i] >= 0x80 || a[i] < 0x21 {
			return false
		}
	}
	return a != ""
}
