package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/store"
)

// storeFlags are the flags every store command takes: where the store is.
type storeFlags struct {
	db     string
	config string
}

func (f *storeFlags) register(fl *flag.FlagSet) {
	fl.StringVar(&f.db, "db", "", "the store file (bbolt)")
	fl.StringVar(&f.config, "config", "", "the daemon's TOML config; the store path comes from it")
}

// path returns the store file named by --db, or by the config's [store] path.
func (f *storeFlags) path() (string, error) {
	switch {
	case f.db != "" && f.config != "":
		return "", errors.New("give --db or --config, not both")
	case f.db != "":
		return f.db, nil
	case f.config != "":
		cfg, err := config.Load(f.config)
		if err != nil {
			return "", err
		}
		return cfg.Store.Path, nil
	}
	return "", errors.New("which store? give --db PATH or --config FILE")
}

// open opens the store for a CLI command. While a daemon runs it holds the file; the error
// then says so.
func (f *storeFlags) open(readOnly bool) (*store.Store, error) {
	p, err := f.path()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(p, store.Options{ReadOnly: readOnly, LockTimeout: 2 * time.Second})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w: a running liaisond holds %s; stop it, or run this command against a backup (liaisond backup)", err, p)
	}
	return st, err
}
