package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	liaisond "github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// recordOutput is one line of `records list --json`: the parse keys for the record's
// current fields, plus its id, state, tags, sources and events.
type recordOutput struct {
	File      string `json:"file"`
	MessageID string `json:"message_id"`
	Liaison   bool   `json:"liaison"`
	Reason    string `json:"reason"`
	liaisond.Statement
	Ack      liaisond.Ack      `json:"ack"`
	Problems []string          `json:"problems"`
	ID       string            `json:"id"`
	State    liaisond.State    `json:"state"`
	Tags     []string          `json:"tags"`
	Related  []string          `json:"related"`
	Sources  []liaisond.Source `json:"sources"`
	Events   []liaisond.Event  `json:"events"`
}

func newRecordOutput(r liaisond.Record) recordOutput {
	o := recordOutput{
		Liaison: true, Statement: r.Statement, Ack: r.Ack, Problems: r.Problems, ID: r.ID,
		State: r.State, Tags: r.Tags, Related: r.Related, Sources: r.Sources, Events: r.Events,
	}
	if len(r.Sources) > 0 {
		o.MessageID = r.Sources[0].MessageID
	}
	o.Statement.Normalize()
	for _, l := range []*[]string{&o.Problems, &o.Tags, &o.Related, &o.Ack.To} {
		if *l == nil {
			*l = []string{}
		}
	}
	if o.Sources == nil {
		o.Sources = []liaisond.Source{}
	}
	if o.Events == nil {
		o.Events = []liaisond.Event{}
	}
	return o
}

func runRecords(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "confirm", "reject", "set", "taken":
		return runRecordAction(ctx, sub, args, stdout, stderr)
	}
	fl, sf := storeCommand("records "+sub, stderr)
	asJSON := fl.Bool("json", false, "one JSON object per line")
	state := fl.String("state", "", "only records in this state: pending, posted or dead")
	format := fl.String("format", "json", "export format (json: the Datatracker's tastypie shape)")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return errUsage
	}
	switch liaisond.State(*state) {
	case "", liaisond.StatePending, liaisond.StatePosted, liaisond.StateDead:
	default:
		return fmt.Errorf("--state %q: give pending, posted or dead", *state)
	}
	st, err := sf.open(true)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		recs, err := st.Records(liaisond.State(*state))
		if err != nil {
			return err
		}
		return listRecords(stdout, recs, *asJSON)
	case "show":
		if len(pos) != 1 {
			return errUsage
		}
		r, err := st.Get(pos[0])
		if err != nil {
			return fmt.Errorf("record %s: %w", pos[0], err)
		}
		if *asJSON {
			return writeJSONLine(stdout, newRecordOutput(r))
		}
		return showRecord(stdout, st, r)
	case "raw":
		if len(pos) != 1 {
			return errUsage
		}
		return writeRaw(stdout, st, pos[0])
	case "export":
		if *format != "json" {
			return fmt.Errorf("--format %q: only json is supported", *format)
		}
		recs, err := st.Records(liaisond.State(*state))
		if err != nil {
			return err
		}
		return exportRecords(stdout, recs)
	}
	return errUsage
}

func listRecords(w io.Writer, recs []liaisond.Record, asJSON bool) error {
	for _, r := range recs {
		if asJSON {
			if err := writeJSONLine(w, newRecordOutput(r)); err != nil {
				return err
			}
			continue
		}
		from := strings.Join(r.FromGroups, ", ")
		fmt.Fprintf(w, "%-13s %-8s %-10s %-25.25s %s\n", r.ID, r.State, orDash(r.Deadline), orDash(from), r.Title)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// showRecord prints a record for a person: its fields in the Datatracker's labels, its
// problems, its sources and its events.
func showRecord(w io.Writer, st backend, r liaisond.Record) error {
	o := parseOutput{File: r.ID, Liaison: true, Statement: r.Statement, Ack: r.Ack, Problems: r.Problems}
	fmt.Fprintf(w, "%s (%s)", r.ID, r.State)
	if len(r.Tags) > 0 {
		fmt.Fprintf(w, " tags: %s", strings.Join(r.Tags, ", "))
	}
	fmt.Fprintln(w)
	writeSummary(w, o)
	fmt.Fprintln(w, "Sources:")
	for _, s := range r.Sources {
		fwd := ""
		if s.ForwardedBy != nil {
			fwd = ", forwarded by " + s.ForwardedBy.String()
		}
		fmt.Fprintf(w, "  %s  %s  <%s> from %s%s\n", s.Received.Format("2006-01-02 15:04:05Z07:00"), s.Source, s.MessageID, orDash(s.EnvelopeFrom), fwd)
	}
	ids, err := st.RecordMessages(r.ID)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		var s []string
		for _, id := range ids {
			s = append(s, id.String())
		}
		fmt.Fprintf(w, "  raw messages: %s (liaisond records raw %s)\n", strings.Join(s, ", "), r.ID)
	}
	fmt.Fprintln(w, "Events:")
	for _, e := range r.Events {
		fmt.Fprintf(w, "  %s  %-9s %-20s %s\n", e.Time.Format("2006-01-02 15:04:05Z07:00"), e.Kind, e.Actor, e.Text)
	}
	return nil
}

// writeRaw writes the original bytes of a record's first message, or of a message by number.
func writeRaw(w io.Writer, st backend, id string) error {
	var msg store.MsgID
	if n, err := strconv.ParseUint(id, 10, 64); err == nil {
		msg = store.MsgID(n)
	} else {
		ids, err := st.RecordMessages(id)
		if err != nil {
			return fmt.Errorf("record %s: %w", id, err)
		}
		if len(ids) == 0 {
			return fmt.Errorf("record %s has no stored message", id)
		}
		msg = ids[0]
	}
	_, err := st.WriteRaw(msg, w)
	return err
}

func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

func runMessages(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return errUsage
	}
	return runList(args[1:], "messages list", stdout, stderr, func(b backend) ([]store.Message, error) { return b.Messages() },
		func(m store.Message) string {
			return fmt.Sprintf("%6d %s %-12s %-13s %-28.28s %s", m.ID, m.Received.Format("2006-01-02 15:04"),
				m.Outcome, orDash(m.Record), m.Source, m.Reason)
		})
}

func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "retry" || args[0] == "drop") {
		return runOutboxAction(ctx, args[0], args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "list" {
		return errUsage
	}
	return runList(args[1:], "outbox list", stdout, stderr, func(b backend) ([]store.OutboxEntry, error) { return b.Outbox() },
		func(e store.OutboxEntry) string {
			return fmt.Sprintf("%5d %-9s %-9s %-13s %d tries  %s → %s", e.ID, e.State, e.Kind, orDash(e.Record), e.Attempts,
				e.Subject, strings.Join(e.To, ", "))
		})
}

// runList is a listing command: the items, one JSON object per line with --json, else one
// line each for a person.
func runList[T any](args []string, name string, stdout, stderr io.Writer, items func(backend) ([]T, error), line func(T) string) error {
	fl, sf := storeCommand(name, stderr)
	asJSON := fl.Bool("json", false, "one JSON object per line")
	if pos, err := parseFlags(fl, args); err != nil || len(pos) != 0 {
		return errUsage
	}
	b, err := sf.open(true)
	if err != nil {
		return err
	}
	defer b.Close()
	list, err := items(b)
	if err != nil {
		return err
	}
	for _, it := range list {
		if *asJSON {
			if err := writeJSONLine(stdout, it); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(stdout, line(it))
	}
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl, sf := storeCommand("backup", stderr)
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) != 1 {
		return errUsage
	}
	st, err := sf.open(true)
	if err != nil {
		return err
	}
	defer st.Close()
	out := pos[0]
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	n, err := st.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", out, err)
	}
	fmt.Fprintf(stdout, "backup: %d bytes written to %s\n", n, out)
	return nil
}

func runCheckDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl, sf := storeCommand("check-db", stderr)
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) != 0 {
		return errUsage
	}
	st, err := sf.open(true)
	if err != nil {
		return err
	}
	defer st.Close()
	errs := st.Check()
	for _, e := range errs {
		fmt.Fprintf(stdout, "problem: %v\n", e)
	}
	if len(errs) > 0 {
		return exitError{1}
	}
	fmt.Fprintln(stdout, "store: ok")
	return nil
}
