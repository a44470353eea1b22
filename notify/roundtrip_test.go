package notify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

// replyTo writes a coordinator's answer to mail m: text on top, m's body quoted below, as a
// mail client does. toFrom answers the From address instead of Reply-To.
func replyTo(t *testing.T, m Mail, from, text string, toFrom bool) []byte {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	to := r.Header.Get("Reply-To")
	if toFrom {
		to = r.Header.Get("From")
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(p.Body)
	var quoted strings.Builder
	for _, l := range strings.Split(body.String(), "\n") {
		quoted.WriteString("> " + l + "\n")
	}
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <reply-%d@example.org>\r\n"+
		"In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\n\nOn Sat, 28 Nov 2026, IETF Liaison Intake wrote:\n%s",
		from, to, m.Subject, len(text), m.MessageID, m.MessageID, text, quoted.String()))
}

var parseOpts = parse.Options{OwnAddresses: []string{"ls-intake@example.org"}, OwnDomains: []string{"ls-intake.example.org"}}

// TestConfirmationRoundTrip runs the whole loop the intake runs: a record and its
// confirmation request in one transaction, the coordinator's reply read by the parser,
// Decide and its changes and mails in one transaction, and the sender delivering.
func TestConfirmationRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		text     string
		toFrom   bool
		state    liaisond.State
		purpose  liaisond.Purpose
		deadline string
		kinds    string // mails delivered after the confirmation request, in order
	}{
		{"confirm", "Coordinator <coordinator@example.org>", "confirm\n\nThanks", false,
			liaisond.StatePosted, liaisond.PurposeAction, "2027-01-15", "ack forwarder reply"},
		{"confirm replying to From", "coordinator@example.org", "Confirmed.", true,
			liaisond.StatePosted, liaisond.PurposeAction, "2027-01-15", "ack forwarder reply"},
		{"corrections then confirm", "Second.Coord@example.org",
			"confirm\nPurpose: For comment\nDeadline: 1 February 2027\nTo: IETF OPSAWG WG", false,
			liaisond.StatePosted, liaisond.PurposeComment, "2027-02-01", "ack forwarder reply"},
		{"corrections only", "coordinator@example.org", "Deadline: 2027-02-01", false,
			liaisond.StatePending, liaisond.PurposeAction, "2027-02-01", "reply"},
		{"reject", "coordinator@example.org", "reject: a discussion mail, not a statement", false,
			liaisond.StateDead, liaisond.PurposeAction, "2027-01-15", "reply"},
		{"not a coordinator", "mallory@example.com", "confirm", false,
			liaisond.StatePending, liaisond.PurposeAction, "2027-01-15", "reply"},
		{"unreadable line", "coordinator@example.org", "confirm\nDeadline: when we can", false,
			liaisond.StatePending, liaisond.PurposeAction, "2027-01-15", "reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSenderEnv(t, sinkOptions{})
			ctx := context.Background()
			ids := env.record(t, confirmOf)
			s := env.sender(t, nil)
			if _, err := s.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			confirm := env.entry(t, ids[0])
			cm := Mail{Kind: confirm.Kind, Subject: confirm.Subject, MessageID: confirm.MessageID, Raw: confirm.Raw}

			res, err := parse.Parse(replyTo(t, cm, tt.from, tt.text, tt.toFrom), parseOpts)
			if err != nil || res.Kind != parse.Command || res.Reply == nil {
				t.Fatalf("parser: %v, kind %v, reason %q", err, res.Kind, res.Reason)
			}
			runReply(t, env, *res.Reply, "reply-1@example.org")
			env.clock.Add(1)
			if _, err := s.SendDue(ctx); err != nil {
				t.Fatal(err)
			}

			rec, err := env.st.Get(confirm.Record)
			if err != nil {
				t.Fatal(err)
			}
			if rec.State != tt.state || rec.Purpose != tt.purpose || rec.Deadline != tt.deadline {
				t.Errorf("record %s, %s, %s", rec.State, rec.Purpose, rec.Deadline)
			}
			var kinds []string
			for _, m := range env.sink.messages()[1:] {
				r, _ := mail.CreateReader(bytes.NewReader(m.Data))
				kinds = append(kinds, r.Header.Get(LoopHeader))
			}
			if got := strings.Join(kinds, " "); got != tt.kinds {
				t.Errorf("sent %q, want %q", got, tt.kinds)
			}
			// The same reply again changes nothing and acknowledges nobody twice.
			runReply(t, env, *res.Reply, "reply-1@example.org")
			env.clock.Add(1)
			if _, err := s.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			for _, m := range env.sink.messages()[1+len(kinds):] {
				if bytes.Contains(m.Data, []byte("X-Liaisond: ack")) {
					t.Error("a repeated reply acknowledged the sender again")
				}
			}
		})
	}
}

// runReply is what the intake does with a reply command: one transaction that decides,
// changes the record, and queues the mails.
func runReply(t *testing.T, env *senderEnv, reply parse.Reply, replyID string) {
	t.Helper()
	policy := Policy{Secret: testSecret, Coordinators: env.comp.cfg.Coordinators}
	err := env.st.Update(context.Background(), func(tx *store.Tx) error {
		d, err := Decide(policy, reply, tx.Record, tx.Now())
		if err != nil {
			return err
		}
		var rec *liaisond.Record
		if d.Record != "" {
			if rec, err = tx.Record(d.Record); err != nil {
				rec = nil // unknown record: nothing to record on
			}
		}
		if rec != nil {
			if d.Accepted && len(d.Edits) > 0 {
				if _, err := tx.UpdateFields(rec.ID, d.Actor, d.Apply); err != nil {
					return err
				}
			}
			if d.State != "" {
				if _, err := tx.SetState(rec.ID, d.State, d.Actor, d.Reason); err != nil {
					return err
				}
			}
			if err := tx.AddEvent(rec.ID, d.Event(tx.Now())); err != nil {
				return err
			}
			if rec, err = tx.Record(rec.ID); err != nil {
				return err
			}
		}
		mails, err := env.comp.DecisionMails(d, rec, StatementThread(derefOr(rec)), replyID)
		if err != nil {
			return err
		}
		for _, m := range mails {
			if _, err := tx.Enqueue(m.Entry()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func derefOr(r *liaisond.Record) liaisond.Record {
	if r == nil {
		return liaisond.Record{}
	}
	return *r
}

// TestOurMailComingBack checks that what we send is never taken for a statement or a
// command, and that an out-of-office answer to an acknowledgement is left alone.
func TestOurMailComingBack(t *testing.T) {
	c := testComposer(t)
	rec := sampleRecord()
	ack, err := c.Ack(rec, "orig@itu.int", nil)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := c.Confirm(rec)
	if err != nil {
		t.Fatal(err)
	}
	ooo := []byte("From: TSB SG15 <tsbsg15@itu.int>\r\nTo: ls-intake@example.org\r\nSubject: Automatic reply: " + ack.Subject +
		"\r\nAuto-Submitted: auto-replied\r\nIn-Reply-To: <" + ack.MessageID + ">\r\nMessage-ID: <ooo@itu.int>\r\n\r\nI am out of the office.\r\n")
	tests := []struct {
		name string
		raw  []byte
	}{
		{"our ack", ack.Raw},
		{"our confirmation request", conf.Raw},
		{"out of office to our ack", ooo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := parse.Parse(tt.raw, parseOpts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Kind != parse.NotStatement || res.Ack.Send {
				t.Errorf("kind %v, ack %v, reason %q", res.Kind, res.Ack.Send, res.Reason)
			}
		})
	}
}
