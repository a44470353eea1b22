package notify

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

var testPolicy = Policy{Secret: testSecret, Coordinators: []string{"coordinator@example.org", "second.coord@example.org"}}

// loader serves rec as the only record.
func loader(rec *liaisond.Record) func(string) (*liaisond.Record, error) {
	return func(id string) (*liaisond.Record, error) {
		if rec == nil || id != rec.ID {
			return nil, fmt.Errorf("record %s: %w", id, store.ErrNotFound)
		}
		r := *rec
		return &r, nil
	}
}

func TestDecide(t *testing.T) {
	tok := func(record, action string, exp time.Time) string {
		s, err := NewToken(testSecret, record, action, exp)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := tok("LS-2026-0042", ActionConfirm, t0.Add(time.Hour))
	coord := liaisond.Contact{Name: "Coord", Email: "Coordinator@Example.org"}
	posted := func(r *liaisond.Record) { r.State = liaisond.StatePosted }
	tests := []struct {
		name     string
		reply    parse.Reply
		edit     func(r *liaisond.Record) // the stored record
		noRecord bool
		policy   *Policy
		refusal  error
		state    liaisond.State
		ack      bool
		fwd      int
		edits    int
		private  bool
	}{
		{name: "confirm pending", reply: parse.Reply{Token: valid, Action: "confirm", From: coord},
			state: liaisond.StatePosted, ack: true, fwd: 1},
		{name: "confirm with edits", reply: parse.Reply{Token: valid, Action: "confirm", From: coord,
			Edits: []parse.Edit{{Field: "purpose", Value: "For comment"}, {Field: "deadline", Value: "1 Feb 2027"}, {Field: "title", Value: ""}}},
			state: liaisond.StatePosted, ack: true, fwd: 1, edits: 2},
		{name: "confirm posted: no-op", reply: parse.Reply{Token: valid, Action: "confirm", From: coord}, edit: posted},
		{name: "confirm again after reject and revival: no second ack", reply: parse.Reply{Token: valid, Action: "confirm", From: coord},
			edit: func(r *liaisond.Record) {
				r.Events = append(r.Events, liaisond.Event{Kind: liaisond.EventPosted}, liaisond.Event{Kind: liaisond.EventModified})
			}, state: liaisond.StatePosted, fwd: 1},
		{name: "confirm, sender acknowledged on receipt", reply: parse.Reply{Token: valid, Action: "confirm", From: coord},
			edit:   func(r *liaisond.Record) { r.Ack.OnReceipt = true },
			policy: &Policy{Secret: testSecret, Coordinators: testPolicy.Coordinators, AckOnReceipt: true},
			state:  liaisond.StatePosted, fwd: 1},
		{name: "confirm, no ack earned", reply: parse.Reply{Token: valid, Action: "confirm", From: coord},
			edit: func(r *liaisond.Record) {
				r.Ack = liaisond.Ack{Reason: "Datatracker notification"}
				r.ForwardedBy, r.Sources = nil, nil
			},
			state: liaisond.StatePosted},
		{name: "confirm dead", reply: parse.Reply{Token: valid, Action: "confirm", From: coord},
			edit: func(r *liaisond.Record) { r.State = liaisond.StateDead }, refusal: ErrRecordDead},
		{name: "reject pending", reply: parse.Reply{Token: valid, Action: "reject", Reason: "not a liaison", From: coord},
			state: liaisond.StateDead},
		{name: "reject posted", reply: parse.Reply{Token: valid, Action: "reject", From: coord}, edit: posted,
			state: liaisond.StateDead},
		{name: "reject dead: no-op", reply: parse.Reply{Token: valid, Action: "reject", From: coord},
			edit: func(r *liaisond.Record) { r.State = liaisond.StateDead }},
		{name: "edit only", reply: parse.Reply{Token: valid, Action: "edit", From: coord,
			Edits: []parse.Edit{{Field: "to", Value: "IETF OPSAWG WG"}}}, edits: 1},
		{name: "edit posted", reply: parse.Reply{Token: valid, Action: "edit", From: coord,
			Edits: []parse.Edit{{Field: "to", Value: "IETF OPSAWG WG"}}}, edit: posted, edits: 1},
		{name: "edit with nothing readable", reply: parse.Reply{Token: valid, Action: "edit", From: coord,
			Edits: []parse.Edit{{Field: "title", Value: ""}}}, refusal: ErrNoCommand},
		{name: "bad edit refuses all", reply: parse.Reply{Token: valid, Action: "confirm", From: coord,
			Edits: []parse.Edit{{Field: "purpose", Value: "For action"}, {Field: "deadline", Value: "soonish"}}}, refusal: ErrBadEdit},
		{name: "no command", reply: parse.Reply{Token: valid, Action: "unknown", From: coord}, refusal: ErrNoCommand},
		{name: "not a coordinator", reply: parse.Reply{Token: valid, Action: "confirm", From: liaisond.Contact{Email: "mallory@example.com"}},
			refusal: ErrNotCoordinator, private: true},
		{name: "no sender", reply: parse.Reply{Token: valid, Action: "confirm"}, refusal: ErrNotCoordinator, private: true},
		{name: "forged token", reply: parse.Reply{Token: valid[:20] + "aaaa" + valid[24:], Action: "confirm", From: coord},
			refusal: ErrTokenSignature},
		{name: "other secret", reply: parse.Reply{Token: valid, Action: "confirm", From: coord},
			policy: &Policy{Secret: []byte("a different secret of 32 bytes!!"), Coordinators: testPolicy.Coordinators}, refusal: ErrTokenSignature},
		{name: "expired token", reply: parse.Reply{Token: tok("LS-2026-0042", ActionConfirm, t0), Action: "confirm", From: coord},
			refusal: ErrTokenExpired},
		{name: "token for another action", reply: parse.Reply{Token: tok("LS-2026-0042", ActionEdit, t0.Add(time.Hour)), Action: "confirm", From: coord},
			refusal: ErrTokenAction},
		{name: "token for an unknown record", reply: parse.Reply{Token: tok("LS-2026-0043", ActionConfirm, t0.Add(time.Hour)), Action: "confirm", From: coord},
			refusal: ErrUnknownRecord},
		{name: "no record at all", reply: parse.Reply{Token: valid, Action: "confirm", From: coord}, noRecord: true, refusal: ErrUnknownRecord},
		{name: "malformed token", reply: parse.Reply{Token: "abc", Action: "confirm", From: coord}, refusal: ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := sampleRecord()
			if tt.edit != nil {
				tt.edit(&rec)
			}
			p := testPolicy
			if tt.policy != nil {
				p = *tt.policy
			}
			load := loader(&rec)
			if tt.noRecord {
				load = loader(nil)
			}
			d, err := Decide(p, tt.reply, load, t0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.refusal != nil {
				if !errors.Is(d.Refusal, tt.refusal) || d.Accepted {
					t.Fatalf("refusal %v (accepted %v), want %v", d.Refusal, d.Accepted, tt.refusal)
				}
				if d.State != "" || d.Ack || len(d.Edits) > 0 || len(d.Forwarders) > 0 {
					t.Errorf("a refused command changes something: %+v", d)
				}
			} else if d.Refusal != nil || !d.Accepted {
				t.Fatalf("refused: %v", d.Refusal)
			}
			if d.State != tt.state || d.Ack != tt.ack || len(d.Forwarders) != tt.fwd || len(d.Edits) != tt.edits || d.Private != tt.private {
				t.Errorf("state %q ack %v forwarders %d edits %d private %v; want %q %v %d %d %v",
					d.State, d.Ack, len(d.Forwarders), len(d.Edits), d.Private, tt.state, tt.ack, tt.fwd, tt.edits, tt.private)
			}
			if d.Note == "" || d.ReplyTo == "" && tt.reply.From.Email != "" {
				t.Errorf("no note or reply address: %+v", d)
			}
			if ev := d.Event(t0); ev.Kind != liaisond.EventComment || ev.Text == "" {
				t.Errorf("event %+v", ev)
			}
		})
	}
}

func TestDecideLoadError(t *testing.T) {
	valid, _ := NewToken(testSecret, "LS-2026-0042", ActionConfirm, t0.Add(time.Hour))
	boom := errors.New("disk on fire")
	_, err := Decide(testPolicy, parse.Reply{Token: valid, Action: "confirm", From: liaisond.Contact{Email: "coordinator@example.org"}},
		func(string) (*liaisond.Record, error) { return nil, boom }, t0)
	if !errors.Is(err, boom) {
		t.Errorf("err %v", err)
	}
}

func TestDecisionMails(t *testing.T) {
	c := testComposer(t)
	rec := sampleRecord()
	valid, _ := NewToken(testSecret, rec.ID, ActionConfirm, t0.Add(time.Hour))
	d, err := Decide(testPolicy, parse.Reply{Token: valid, Action: "confirm", From: liaisond.Contact{Email: "coordinator@example.org"}}, loader(&rec), t0)
	if err != nil {
		t.Fatal(err)
	}
	rec.State = liaisond.StatePosted
	mails, err := c.DecisionMails(d, &rec, StatementThread(rec), "<r1@example.org>")
	if err != nil {
		t.Fatal(err)
	}
	kinds := ""
	for _, m := range mails {
		kinds += string(m.Kind) + " "
	}
	if kinds != "ack forwarder reply " {
		t.Fatalf("mails: %s", kinds)
	}
	if mails[0].InReplyTo != "GV0P278MB0512@prod.outlook.com" || mails[2].InReplyTo != "r1@example.org" {
		t.Errorf("threading: %q %q", mails[0].InReplyTo, mails[2].InReplyTo)
	}

	d, _ = Decide(testPolicy, parse.Reply{Token: valid, Action: "confirm", From: liaisond.Contact{Email: "mallory@example.com"}}, loader(&rec), t0)
	mails, err = c.DecisionMails(d, &rec, Thread{}, "x@y")
	if err != nil || len(mails) != 1 || mails[0].Record != "" || mails[0].Subject != "Your reply to the liaison intake" {
		t.Fatalf("private refusal: %v %+v", err, mails)
	}
}
