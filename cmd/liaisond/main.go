// Command liaisond records the liaison statements other standards bodies mail to the IETF,
// and answers them. Run "liaisond help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand of the binary.
type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// errUsage makes main print the command's usage and exit 2.
var errUsage = errors.New("usage")

// exitError carries an exit status other than 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func commands() []command {
	return []command{
		{"demo", "demo [--once] [--dir DIR]: the whole loop on embedded defaults, no config, no network", runDemo},
		{"serve", "serve --config FILE: run the daemon (SIGTERM stops it cleanly, SIGHUP reopens the log)", runServe},
		{"parse", "parse [--json] FILE... (- for standard input): show what liaisond reads in each mail; writes nothing", runParse},
		{"import", "import [--db PATH | --config FILE] [--no-notify] FILE...: take .eml, mbox or Maildir mail in as if it had arrived", runImport},
		{"messages", "messages list [--db PATH | --config FILE] [--json]: every message taken in and what became of it", runMessages},
		{"records", "records list|show ID|raw ID|export [--db PATH | --config FILE] [--state S] [--json] [--format json]: the records;\n" +
			"    records confirm ID | reject ID REASON | set ID Field=value... | taken ID: act as a coordinator (confirm, reject and set need --config)", runRecords},
		{"outbox", "outbox list [--json] | retry ID | drop ID [--db PATH | --config FILE]: every mail queued, sent, failed or suppressed", runOutbox},
		{"backup", "backup [--db PATH | --config FILE] OUT: a consistent copy of the store", runBackup},
		{"check-config", "check-config --config FILE [--strict] [--print]: check a config as serve would; print the effective one", runCheckConfig},
		{"check-db", "check-db [--db PATH | --config FILE]: verify the store file and its cross-references", runCheckDB},
	}
}

func main() {
	os.Exit(runWithSignals(os.Args[1:]))
}

// runWithSignals runs a command that SIGINT and SIGTERM stop cleanly.
func runWithSignals(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "usage: liaisond %s\n", c.usage)
			return 2
		case errors.As(err, &ee):
			return ee.code
		default:
			fmt.Fprintf(stderr, "liaisond %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "liaisond: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: liaisond COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s\n", c.usage)
	}
}

// parseFlags parses flags wherever they stand among the arguments ("records show ID --json"
// as well as "records show --json ID") and returns the positional arguments. "--" ends
// the flags.
func parseFlags(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		rest := fl.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
