package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	liaisond "github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
)

// parseOutput is one line of `liaisond parse --json`: the contract in DESIGN.md.
type parseOutput struct {
	File      string `json:"file"`
	MessageID string `json:"message_id"`
	Liaison   bool   `json:"liaison"`
	Reason    string `json:"reason"`
	liaisond.Statement
	Ack      liaisond.Ack `json:"ack"`
	Problems []string     `json:"problems"`
}

func newParseOutput(file string, r *parse.Result) parseOutput {
	out := parseOutput{
		File:      file,
		MessageID: r.MessageID,
		Liaison:   r.Kind == parse.Statement,
		Reason:    r.Reason,
		Statement: r.Statement,
		Ack:       r.Ack,
		Problems:  r.Problems,
	}
	if r.Kind == parse.Command {
		out.Reason = fmt.Sprintf("a coordinator's reply to a confirmation request (%s)", r.Reply.Action)
	}
	out.Statement.Normalize()
	if out.Ack.To == nil {
		out.Ack.To = []string{}
	}
	if out.Problems == nil {
		out.Problems = []string{}
	}
	return out
}

func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("parse", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "one JSON object per message, one per line")
	pos, err := parseFlags(fl, args)
	if err != nil {
		return errUsage
	}
	if len(pos) == 0 {
		return errUsage
	}
	failed := false
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, name := range pos {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		raw, err := readInput(name)
		if err != nil {
			fmt.Fprintf(stderr, "liaisond parse: %v\n", err)
			failed = true
			continue
		}
		res, err := parse.Parse(raw, parse.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "liaisond parse: %s: %v\n", name, err)
			failed = true
			continue
		}
		out := newParseOutput(name, res)
		if *asJSON {
			if err := enc.Encode(out); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			continue
		}
		writeSummary(stdout, out)
	}
	if failed {
		return exitError{1}
	}
	return nil
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %w", err)
	}
	return b, nil
}

// writeSummary prints a result for a person: the record in the Datatracker's labels.
func writeSummary(w io.Writer, o parseOutput) {
	fmt.Fprintf(w, "== %s\n", o.File)
	if !o.Liaison {
		fmt.Fprintf(w, "Not a statement: %s\n\n", o.Reason)
		return
	}
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-20s %s\n", label+":", v)
		}
	}
	contacts := func(cs []liaisond.Contact) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.String())
		}
		return strings.Join(s, ", ")
	}
	line("Title", o.Title)
	line("From", strings.TrimSpace(o.FromOrg+" / "+strings.Join(o.FromGroups, ", ")))
	if o.FromContact != nil {
		line("From Contact", o.FromContact.String())
	}
	line("To", strings.Join(o.ToGroups, ", "))
	line("Cc", contacts(o.CcContacts))
	line("Response Contacts", contacts(o.ResponseContacts))
	line("Technical Contacts", contacts(o.TechnicalContacts))
	line("Purpose", o.Purpose.Label())
	line("Deadline", o.Deadline)
	line("Identifiers", strings.Join(o.OtherIdentifiers, ", "))
	if o.ForwardedBy != nil {
		line("Forwarded by", o.ForwardedBy.String())
	}
	for _, a := range o.Attachments {
		line("Attachment", fmt.Sprintf("%s (%s, %d bytes, sha256 %s)", a.Filename, a.ContentType, a.Size, a.SHA256))
	}
	if o.Ack.Send {
		line("Acknowledge", strings.Join(o.Ack.To, ", "))
	} else {
		line("Acknowledge", "no: "+o.Ack.Reason)
	}
	for _, p := range o.Problems {
		line("Problem", p)
	}
	fmt.Fprintln(w)
}
