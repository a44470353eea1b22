package notify

import (
	"errors"
	"fmt"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

// Hooks connect the intake to the mails: what a new record queues and what a coordinator's
// reply does. The intake calls them inside the store transaction that makes the change, so
// a mail is queued exactly when its cause is committed.
type Hooks struct {
	Composer *Composer
	Policy   Policy
	// RequireAuthenticated refuses reply commands that lack a DMARC pass from the trusted
	// authserv-id (set when one is configured).
	RequireAuthenticated bool
}

// ErrNotAuthenticated means a reply command failed the trusted Authentication-Results check.
var ErrNotAuthenticated = errors.New("reply not authenticated (no DMARC pass from the trusted server)")

// Recorded returns the mails a new record queues: the confirmation request to the
// coordinators and, under the on-receipt policy for a sender the parser trusted, the
// acknowledgement.
func (h Hooks) Recorded(rec liaisond.Record, res *parse.Result, msg store.Message) ([]store.OutboxEntry, error) {
	m, err := h.Composer.Confirm(rec)
	if err != nil {
		return nil, err
	}
	out := []store.OutboxEntry{m.Entry()}
	if h.Policy.AckOnReceipt && rec.Ack.OnReceipt && rec.Ack.Send {
		a, err := h.Composer.Ack(rec, msg.MessageID, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, a.Entry())
	}
	return out, nil
}

// Replied carries out a coordinator's reply inside tx: Decide, then the field edits, the
// state change, the event and the mails it causes. It returns the record and what was done.
func (h Hooks) Replied(tx *store.Tx, reply *parse.Reply, msg store.Message) (string, string, error) {
	var d Decision
	if h.RequireAuthenticated && !reply.Authenticated {
		d = Decision{Command: reply.Action, Actor: reply.From.String(), Refusal: ErrNotAuthenticated,
			Note: "Your reply was not acted on: " + ErrNotAuthenticated.Error() + ".", ReplyTo: reply.From.Email, Private: true}
	} else {
		var err error
		d, err = Decide(h.Policy, *reply, tx.Record, tx.Now())
		if err != nil {
			return "", "", err
		}
	}
	rec, err := h.carryOut(tx, d)
	if err != nil {
		return "", "", err
	}
	var thread Thread
	if rec != nil {
		thread = StatementThread(*rec)
	}
	mails, err := h.Composer.DecisionMails(d, rec, thread, msg.MessageID)
	if err != nil {
		return "", "", err
	}
	for _, m := range mails {
		if _, err := tx.Enqueue(m.Entry()); err != nil {
			return "", "", err
		}
	}
	what := d.Command + " by " + d.Actor
	if d.Refusal != nil {
		what = fmt.Sprintf("%s refused: %v", d.Command, d.Refusal)
	}
	if rec == nil {
		return "", what, nil
	}
	return rec.ID, what, nil
}

// carryOut applies an accepted decision's edits and state change and records the command as
// an event on the record it names, refused or not. It returns the record afterwards, or nil
// when the decision names no record the store has.
func (h Hooks) carryOut(tx *store.Tx, d Decision) (*liaisond.Record, error) {
	if d.Record == "" {
		return nil, nil
	}
	if _, err := tx.Record(d.Record); errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if d.Accepted && len(d.Edits) > 0 {
		if _, err := tx.UpdateFields(d.Record, d.Actor, d.Apply); err != nil {
			return nil, err
		}
	}
	if d.Accepted && d.State != "" {
		if _, err := tx.SetState(d.Record, d.State, d.Actor, d.Reason); err != nil {
			return nil, err
		}
	}
	if err := tx.AddEvent(d.Record, d.Event(tx.Now())); err != nil {
		return nil, err
	}
	return tx.Record(d.Record)
}

// Operate carries out an operator's command from the CLI inside tx, as a coordinator's
// reply would be, except that a refusal is returned as an error (nothing changes), the
// operator gets no note by mail, and confirming a rejected record revives it.
func (h Hooks) Operate(tx *store.Tx, reply *parse.Reply) (string, error) {
	d, err := Decide(h.Policy, *reply, tx.Record, tx.Now())
	if err != nil {
		return "", err
	}
	if errors.Is(d.Refusal, ErrRecordDead) && reply.Action == "confirm" {
		if _, err := tx.SetState(d.Record, liaisond.StatePending, d.Actor, "revived by an operator"); err != nil {
			return "", err
		}
		if d, err = Decide(h.Policy, *reply, tx.Record, tx.Now()); err != nil {
			return "", err
		}
	}
	if d.Refusal != nil {
		return "", d.Refusal
	}
	d.Note, d.ReplyTo = "", ""
	rec, err := h.carryOut(tx, d)
	if err != nil {
		return "", err
	}
	if rec == nil {
		return "", fmt.Errorf("record %s: %w", d.Record, ErrUnknownRecord)
	}
	mails, err := h.Composer.DecisionMails(d, rec, StatementThread(*rec), "")
	if err != nil {
		return "", err
	}
	for _, m := range mails {
		if _, err := tx.Enqueue(m.Entry()); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%s: %s by %s; %s is %s", rec.ID, d.Command, d.Actor, rec.ID, rec.State), nil
}
