package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/notify"
	"github.com/ietf-tools/liaisond/store"
)

// recordAction is what an operator does to a record from the CLI: what a coordinator's
// reply would do, or marking the requested action as taken.
type recordAction struct {
	Verb   string       `json:"verb"` // confirm, reject, set, taken
	Reason string       `json:"reason"`
	Edits  []parse.Edit `json:"edits"`
	Actor  string       `json:"actor"`
}

// errNeedsConfig says that a command composes mail and so needs the daemon's config.
var errNeedsConfig = errors.New("this changes what is mailed; give --config FILE (or run it while the daemon runs)")

// actOn carries out a on record id in one transaction with the mails it causes. confirm,
// reject and set go through the same decision as a coordinator's reply, so the
// acknowledgement and the notes go out exactly as they would by mail.
func actOn(ctx context.Context, st *store.Store, hooks *notify.Hooks, id string, a recordAction) (string, error) {
	if a.Verb == "taken" {
		changed, err := st.AddTag(ctx, id, notify.TagTaken, a.Actor)
		if err != nil {
			return "", err
		}
		if !changed {
			return id + " was tagged taken already", nil
		}
		return id + " tagged taken: no more deadline reminders", nil
	}
	if hooks == nil {
		return "", errNeedsConfig
	}
	if len(hooks.Policy.Coordinators) == 0 {
		return "", errors.New("no coordinators configured")
	}
	action := map[string]string{"confirm": "confirm", "reject": "reject", "set": "edit"}[a.Verb]
	if action == "" {
		return "", fmt.Errorf("unknown action %q", a.Verb)
	}
	// The CLI user acts as a coordinator: the decision gets a token it signs itself.
	tok, err := notify.NewToken(hooks.Policy.Secret, id, notify.ActionConfirm, time.Now().Add(time.Hour))
	if err != nil {
		return "", err
	}
	reply := &parse.Reply{Token: tok, Action: action, Reason: a.Reason, Edits: a.Edits, Authenticated: true}
	reply.From.Name = a.Actor
	reply.From.Email = hooks.Policy.Coordinators[0]
	var what string
	err = st.Update(ctx, func(tx *store.Tx) error {
		w, err := hooks.Operate(tx, reply)
		what = w
		return err
	})
	return what, err
}

// cliActor names the operator in events.
func cliActor() string {
	name := "unknown user"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return name + " (liaisond CLI)"
}

// runRecordAction is `records confirm|reject|set|taken ID ...`.
func runRecordAction(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	fl, sf := storeCommand("records "+verb, stderr)
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) < 1 {
		return errUsage
	}
	a := recordAction{Verb: verb, Actor: cliActor()}
	rest := pos[1:]
	switch verb {
	case "reject":
		a.Reason = strings.Join(rest, " ")
		if a.Reason == "" {
			return errors.New("say why: records reject ID REASON")
		}
	case "set":
		for _, kv := range rest {
			field, value, ok := strings.Cut(kv, "=")
			key := statementField(field)
			if !ok || key == "" {
				return fmt.Errorf("%q: give Field=value with a field of title, from, to, cc, response, technical, purpose, deadline", kv)
			}
			a.Edits = append(a.Edits, parse.Edit{Field: key, Value: value})
		}
		if len(a.Edits) == 0 {
			return errors.New("nothing to set: records set ID Field=value...")
		}
	}
	b, err := sf.open(false)
	if err != nil {
		return err
	}
	defer b.Close()
	what, err := b.Act(ctx, pos[0], a)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, what)
	return nil
}

// statementField maps what an operator types ("Response Contacts", "deadline") to the field.
func statementField(f string) string {
	switch strings.ToLower(strings.TrimSpace(strings.ReplaceAll(f, "_", " "))) {
	case "title":
		return "title"
	case "from", "source":
		return "from"
	case "to":
		return "to"
	case "cc":
		return "cc"
	case "response", "response contact", "response contacts":
		return "response"
	case "technical", "technical contact", "technical contacts":
		return "technical"
	case "purpose":
		return "purpose"
	case "deadline":
		return "deadline"
	}
	return ""
}

// runOutboxAction is `outbox retry|drop ID`.
func runOutboxAction(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	fl, sf := storeCommand("outbox "+verb, stderr)
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	id, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil {
		return fmt.Errorf("outbox %s: %q is not an outbox id", verb, pos[0])
	}
	b, err := sf.open(false)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.OutboxAct(ctx, id, verb, cliActor()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "outbox %d: %s done\n", id, verb)
	return nil
}

// outboxAct retries or drops an outgoing mail.
func outboxAct(ctx context.Context, st *store.Store, id uint64, verb, actor string) error {
	switch verb {
	case "retry":
		return st.Retry(ctx, id)
	case "drop":
		return st.Suppress(ctx, id, "dropped by "+actor)
	}
	return fmt.Errorf("unknown outbox action %q", verb)
}
