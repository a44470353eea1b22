package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/store"
)

// storeFlags are the flags every store command takes: where the store is.
type storeFlags struct {
	db     string
	config string
}

// storeCommand starts the flags of a command that works on the store.
func storeCommand(name string, stderr io.Writer) (*flag.FlagSet, *storeFlags) {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	sf := &storeFlags{}
	sf.register(fl)
	return fl, sf
}

func (f *storeFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&f.db, "db", "", "the store file (bbolt)")
	fl.StringVar(&f.config, "config", "", "the daemon's TOML config; the store and admin socket come from it")
}

// target returns the store file and the admin socket the flags name.
func (f *storeFlags) target() (path, socket string, cfg *config.Config, err error) {
	switch {
	case f.db != "" && f.config != "":
		return "", "", nil, errors.New("give --db or --config, not both")
	case f.db != "":
		return f.db, config.DefaultAdminSocket, nil, nil
	case f.config != "":
		cfg, err := config.Load(f.config)
		if err != nil {
			return "", "", nil, err
		}
		return cfg.Store.Path, cfg.Admin.Socket, cfg, nil
	}
	return "", "", nil, errors.New("which store? give --db PATH or --config FILE")
}

// open returns the daemon's admin API when one runs on the store, else the store file.
func (f *storeFlags) open(readOnly bool) (backend, error) {
	path, socket, cfg, err := f.target()
	if err != nil {
		return nil, err
	}
	if f.config != "" {
		if a, ok := dialAdmin(socket); ok {
			return a, nil
		}
	}
	st, err := store.Open(path, store.Options{ReadOnly: readOnly, LockTimeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		if a, ok := dialAdmin(socket); ok {
			if same, err := a.serves(path); err != nil || !same {
				return nil, fmt.Errorf("%s is held by a daemon whose admin socket is not %s; give that daemon's --config", path, socket)
			}
			return a, nil
		}
		return nil, fmt.Errorf("%w: a running liaisond holds %s and its admin socket %s does not answer; give --config so the socket can be found, or stop the daemon", err, path, socket)
	}
	if err != nil {
		return nil, err
	}
	b := direct{Store: st}
	opts := ingest.Options{}
	if cfg != nil {
		opts.Parse = parseOptions(cfg)
		hooks, _, err := newHooks(cfg)
		if err != nil {
			st.Close()
			return nil, err
		}
		b.hooks = &hooks
		opts.Notifier = hooks
	}
	b.in = ingest.New(st, opts)
	return b, nil
}
