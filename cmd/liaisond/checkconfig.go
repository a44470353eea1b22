package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ietf-tools/liaisond/config"
)

// runCheckConfig checks everything serve would: every problem at once, each with its file,
// line and key; with --print, the effective configuration (defaults filled in; secrets are
// files, so only their paths show).
func runCheckConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fl.SetOutput(stderr)
	path := fl.String("config", "", "the TOML config file")
	strict := fl.Bool("strict", false, "files that cannot be read are errors, as serve treats them")
	print := fl.Bool("print", false, "print the effective configuration")
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) != 0 {
		return errUsage
	}
	if *path == "" {
		return fmt.Errorf("give --config FILE")
	}
	cfg, err := config.Load(*path)
	if err := printProblems(stdout, err); err != nil {
		return err
	}
	warnings, err := cfg.Check(*strict)
	for _, w := range warnings {
		fmt.Fprintln(stdout, "warning:", w.Error())
	}
	if err := printProblems(stdout, err); err != nil {
		return err
	}
	if *print {
		return cfg.WriteTOML(stdout)
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return nil
}

// printProblems prints a config's errors, one a line, and turns them into exit status 1;
// any other error is returned as it is.
func printProblems(w io.Writer, err error) error {
	var errs config.Errors
	if !errors.As(err, &errs) {
		return err
	}
	for _, p := range errs {
		fmt.Fprintln(w, "error:", p.Error())
	}
	return exitError{1}
}
