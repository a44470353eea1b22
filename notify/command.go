package notify

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

// Reasons a reply command is refused, testable with errors.Is on Decision.Refusal (next to
// the token errors).
var (
	// ErrNotCoordinator means the reply came from an address not on the coordinator list.
	ErrNotCoordinator = errors.New("sender is not a liaison coordinator")
	// ErrTokenAction means the token was made for another kind of mail.
	ErrTokenAction = errors.New("reply token is not for a confirmation request")
	// ErrUnknownRecord means the token names a record the store does not have.
	ErrUnknownRecord = errors.New("reply token names an unknown record")
	// ErrNoCommand means the reply says neither confirm nor reject and corrects nothing.
	ErrNoCommand = errors.New("no command in the reply")
	// ErrRecordDead means the record was rejected; it cannot be confirmed or corrected by mail.
	ErrRecordDead = errors.New("record was rejected")
	// ErrBadEdit means a field line could not be read; nothing was changed.
	ErrBadEdit = errors.New("a field line could not be read")
)

// Policy is what Decide needs from the configuration.
type Policy struct {
	// Secret verifies reply tokens.
	Secret []byte
	// Coordinators may answer confirmation requests (compared case-insensitively).
	Coordinators []string
	// AckOnReceipt is the on-receipt policy: records whose Ack.OnReceipt is set were
	// acknowledged when they arrived.
	AckOnReceipt bool
}

// Decision is what a reply command does: Decide's answer, for the caller to carry out in
// one store transaction.
type Decision struct {
	// Record is the record the token names; empty when the token was unreadable.
	Record string
	// Command is what the reply asked: confirm, reject, edit or unknown.
	Command string
	// Actor is the replier as a mailbox, for events.
	Actor string
	// Accepted is true when the command is authorised and valid; it may still change
	// nothing (a repeated command).
	Accepted bool
	// Refusal says why the command was refused; nil when Accepted.
	Refusal error
	// State is the state to move the record to (store.Tx.SetState), or "" to leave it.
	State liaisond.State
	// Reason goes with State: the rejection reason, or the confirmation note.
	Reason string
	// Edits are the field corrections to apply (store.Tx.UpdateFields with Apply).
	Edits []FieldEdit
	// Ack asks for the acknowledgement to the statement's sender to be queued.
	Ack bool
	// Forwarders are the chairs who forwarded the statement, to be sent a note.
	Forwarders []liaisond.Contact
	// Note is the text of the reply to the replier (Composer.CommandReply).
	Note string
	// ReplyTo is the address the note goes to.
	ReplyTo string
	// Private is true when the replier must not learn about the record: the note then
	// names none.
	Private bool
}

// Apply sets the decision's edits on s; pass it to store.Tx.UpdateFields.
func (d Decision) Apply(s *liaisond.Statement) error {
	for _, e := range d.Edits {
		e.Apply(s)
	}
	return nil
}

// Event is the comment to record on the record about the command (refused or not); the
// state and field changes record their own events.
func (d Decision) Event(now time.Time) liaisond.Event {
	text := fmt.Sprintf("Reply command %q", d.Command)
	if d.Refusal != nil {
		text += " refused: " + d.Refusal.Error()
	} else {
		text += " accepted"
		if d.State == "" && len(d.Edits) == 0 {
			text += ", nothing to change"
		}
	}
	return liaisond.Event{Time: now, Kind: liaisond.EventComment, Actor: d.Actor, Text: text}
}

// Decide works out what reply does, without changing anything: the token must be valid,
// unexpired, for a confirmation request and for a record load finds; the sender must be a
// coordinator; field lines must all be readable. Commands are idempotent: confirming a
// posted record or rejecting a dead one changes nothing, and the acknowledgement is asked
// for only on the first confirmation of a record that earns one. load is called with the
// token's record id (pass store.Tx.Record); a load failure other than store.ErrNotFound
// is returned as the error, everything else is a Decision.
func Decide(p Policy, reply parse.Reply, load func(id string) (*liaisond.Record, error), now time.Time) (Decision, error) {
	d := Decision{Command: reply.Action, Actor: reply.From.String(), ReplyTo: liaisond.NormalEmail(reply.From.Email), Private: true}
	if d.Actor == "" {
		d.Actor = "unknown sender"
	}
	refuse := func(err error, note string) (Decision, error) {
		d.Accepted, d.Refusal, d.Note = false, err, note
		d.State, d.Edits, d.Ack, d.Forwarders = "", nil, false, nil
		return d, nil
	}
	coordinator := d.ReplyTo != "" && containsAddress(p.Coordinators, d.ReplyTo)
	tok, err := ParseToken(p.Secret, reply.Token, now)
	if err == nil || errors.Is(err, ErrTokenExpired) {
		d.Record = tok.Record
	}
	if !coordinator {
		return refuse(fmt.Errorf("reply from %s: %w", d.ReplyTo, ErrNotCoordinator),
			"Your message reached the liaison intake as an answer to a confirmation request,\n"+
				"but only the liaison coordinators can answer those. Nothing was changed.")
	}
	d.Private = false
	switch {
	case errors.Is(err, ErrTokenExpired):
		return refuse(err, fmt.Sprintf("The confirmation request you answered for %s expired on %s. Nothing was changed;\n"+
			"use the command line (liaisond records confirm|reject|set %s) instead.", tok.Record, day(tok.Expires), tok.Record))
	case err != nil:
		d.Record = ""
		return refuse(err, "Your reply could not be matched to a confirmation request: its token is not\n"+
			"valid ("+err.Error()+"). Nothing was changed. Reply to the confirmation request\n"+
			"itself, keeping its reply address.")
	case tok.Action != ActionConfirm:
		return refuse(fmt.Errorf("token action %q: %w", tok.Action, ErrTokenAction),
			"Your reply answers a mail that takes no commands. Nothing was changed.")
	}
	rec, err := load(tok.Record)
	if errors.Is(err, store.ErrNotFound) {
		return refuse(fmt.Errorf("%s: %w", tok.Record, ErrUnknownRecord),
			fmt.Sprintf("Record %s does not exist (any more). Nothing was changed.", tok.Record))
	}
	if err != nil {
		return d, fmt.Errorf("decide reply command for %s: %w", tok.Record, err)
	}
	edits, problems := readEdits(reply.Edits)
	switch reply.Action {
	case "reject":
		if rec.State == liaisond.StateDead {
			d.Accepted = true
			d.Note = fmt.Sprintf("%s was already rejected. Nothing was changed.", rec.ID)
			return d, nil
		}
		d.Accepted, d.State = true, liaisond.StateDead
		d.Reason = collapse(reply.Reason)
		if d.Reason == "" {
			d.Reason = "no reason given"
		}
		d.Note = fmt.Sprintf("%s is rejected (%s). Nobody outside was told.", rec.ID, d.Reason)
		if len(reply.Edits) > 0 {
			d.Note += "\nThe field lines in your reply were ignored."
		}
		return d, nil
	case "confirm", "edit":
	default:
		return refuse(fmt.Errorf("%s: %w", rec.ID, ErrNoCommand),
			"Your reply holds no command. Nothing was changed. Reply with the word confirm,\n"+
				"the word reject and a reason, or \"Field: value\" lines, above the quoted text.")
	}
	if rec.State == liaisond.StateDead {
		return refuse(fmt.Errorf("%s: %w", rec.ID, ErrRecordDead),
			fmt.Sprintf("%s was rejected earlier. Nothing was changed; to revive it use the\n"+
				"command line (liaisond records confirm %s).", rec.ID, rec.ID))
	}
	if len(problems) > 0 {
		return refuse(fmt.Errorf("%s: %w: %s", rec.ID, ErrBadEdit, strings.Join(problems, "; ")),
			"Nothing was changed: these lines of your reply could not be read:\n  - "+
				strings.Join(problems, "\n  - ")+"\nPlease send the whole answer again.")
	}
	if reply.Action == "edit" && len(edits) == 0 {
		return refuse(fmt.Errorf("%s: %w", rec.ID, ErrNoCommand),
			"Your reply holds no command or correction. Nothing was changed.")
	}
	d.Accepted, d.Edits = true, edits
	var note []string
	if len(edits) > 0 {
		note = append(note, "Corrections applied to "+rec.ID+":")
		for _, e := range edits {
			note = append(note, "  "+fieldLabel(e.Field)+": "+e.Value)
		}
	}
	switch {
	case reply.Action == "edit":
		if rec.State == liaisond.StatePending {
			note = append(note, "The record is still pending: reply confirm to post it.")
		}
	case rec.State == liaisond.StatePosted:
		note = append(note, rec.ID+" was already confirmed; nothing else was done.")
	default:
		d.State, d.Reason = liaisond.StatePosted, "confirmed by reply"
		note = append(note, rec.ID+" is confirmed and posted.")
		if rec.Ack.Send && len(rec.Ack.To) > 0 && !acknowledged(rec, p) {
			d.Ack = true
			note = append(note, "The acknowledgement goes to "+strings.Join(rec.Ack.To, ", ")+".")
		} else {
			note = append(note, "No acknowledgement is sent: "+noAckReason(rec, p)+".")
		}
		d.Forwarders = Forwarders(*rec)
	}
	d.Note = strings.Join(note, "\n")
	return d, nil
}

// readEdits reads every field line, collecting the ones that cannot be read.
func readEdits(in []parse.Edit) ([]FieldEdit, []string) {
	var edits []FieldEdit
	var problems []string
	for _, e := range in {
		fe, err := readEdit(e)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if fe != nil {
			edits = append(edits, *fe)
		}
	}
	return edits, problems
}

// acknowledged reports whether rec's sender was (or is being) acknowledged already: on
// receipt under that policy, or because the record was posted before.
func acknowledged(rec *liaisond.Record, p Policy) bool {
	if p.AckOnReceipt && rec.Ack.OnReceipt {
		return true
	}
	for _, e := range rec.Events {
		if e.Kind == liaisond.EventPosted ||
			e.Kind == liaisond.EventMsgOut && strings.HasPrefix(e.Text, "Sent "+string(store.KindAck)+" mail") {
			return true
		}
	}
	return false
}

func noAckReason(rec *liaisond.Record, p Policy) string {
	switch {
	case acknowledged(rec, p):
		return "the sender was acknowledged before"
	case rec.Ack.Reason != "":
		return rec.Ack.Reason
	}
	return "there is no address to acknowledge"
}
