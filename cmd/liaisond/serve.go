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

	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/config"
)

// runServe runs the daemon on a config file until SIGTERM or SIGINT. What keeps it from
// starting is one clear line and exit status 1.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(stderr)
	path := fl.String("config", "", "the TOML config file")
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) != 0 || *path == "" {
		return errUsage
	}
	cfg, err := loadStrict(*path)
	if err != nil {
		return err
	}
	log, lf, err := newLogger(cfg.Log)
	if err != nil {
		return err
	}
	defer log.Sync()
	d, err := startDaemon(cfg, log, daemonOptions{})
	if err != nil {
		return fmt.Errorf("cannot start: %w", err)
	}
	stopHUP := watchHUP(log, lf)
	defer stopHUP()
	return d.run(ctx)
}

// loadStrict loads a config and checks it as serve needs it: every file readable.
func loadStrict(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	warnings, err := cfg.Check(true)
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "warning:", w.Error())
	}
	var errs config.Errors
	if errors.As(err, &errs) && len(errs) > 0 {
		for _, p := range errs[1:] {
			fmt.Fprintln(os.Stderr, "error:", p.Error())
		}
		return nil, errs[0]
	}
	return cfg, err
}

// watchHUP reopens the log file on SIGHUP (after logrotate), and says that a changed
// config needs a restart.
func watchHUP(log *zap.Logger, lf *logFile) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ch:
				if lf != nil {
					if err := lf.reopen(); err != nil {
						log.Error("SIGHUP", zap.Error(err))
						continue
					}
				}
				log.Info("SIGHUP: log reopened; the config is read at start, restart to apply changes to it")
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
