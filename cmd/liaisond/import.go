package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ietf-tools/liaisond/ingest/mailfile"
	"github.com/ietf-tools/liaisond/store"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl, sf := storeCommand("import", stderr)
	noNotify := fl.Bool("no-notify", false, "record without queueing any mail (backfill of history)")
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) == 0 {
		return errUsage
	}
	st, err := sf.open(false)
	if err != nil {
		return err
	}
	defer st.Close()
	if !*noNotify && !st.CanNotify() {
		return errors.New("without --config there is nobody to send confirmation requests to: give --config FILE, or --no-notify to record without mail")
	}
	counts := map[store.Outcome]int{}
	failed := 0
	for _, path := range pos {
		err := mailfile.Walk(path, func(m mailfile.Message) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			name := m.Name
			if name == "" {
				name = filepath.Base(path)
			}
			if m.Err != nil {
				failed++
				fmt.Fprintf(stdout, "%s: not imported: %v\n", name, m.Err)
				return nil
			}
			env := store.Envelope{Source: "import:" + filepath.Base(path), From: m.EnvelopeFrom, Quiet: *noNotify}
			out, err := st.Import(ctx, env, m.Data)
			if err != nil && out.Message == 0 {
				return fmt.Errorf("%s: %w", name, err)
			}
			counts[out.Outcome]++
			switch {
			case err != nil:
				fmt.Fprintf(stdout, "%s: stored as message %d, %s: %v\n", name, out.Message, out.Outcome, err)
			case out.Record != "":
				fmt.Fprintf(stdout, "%s: %s %s %s\n", name, out.Outcome, out.Record, out.Reason)
			default:
				fmt.Fprintf(stdout, "%s: %s: %s\n", name, out.Outcome, out.Reason)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("importing %s: %w", path, err)
		}
	}
	fmt.Fprintf(stdout, "imported: %d new records, %d duplicates, %d ignored, %d commands, %d failed, %d quarantined, %d unreadable\n",
		counts[store.OutcomeRecord], counts[store.OutcomeDuplicate], counts[store.OutcomeIgnore], counts[store.OutcomeCommand],
		counts[store.OutcomeFailed], counts[store.OutcomeQuarantined], failed)
	if failed > 0 || counts[store.OutcomeFailed]+counts[store.OutcomeQuarantined] > 0 {
		return exitError{1}
	}
	return nil
}
