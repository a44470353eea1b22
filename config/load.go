package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Load reads and validates the configuration file at path. Relative file paths in it are
// taken relative to the file's folder. A configuration that is not valid yields Errors,
// every problem with its line; a file that cannot be read yields a wrapped os error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads and validates a configuration from data; name is the file's name, used in
// messages and to resolve relative paths. Secret files are not read: see Check.
func Parse(name string, data []byte) (*Config, error) {
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		return nil, syntaxError(name, err)
	}
	lines := indexLines(data)
	r := newReport(name, lines)
	c := defaults()
	binder{r}.bindStruct("", tree, reflect.ValueOf(&c).Elem())
	c.File, c.lines = name, lines
	dir, err := filepath.Abs(filepath.Dir(name))
	if err != nil {
		return nil, fmt.Errorf("config: resolving the folder of %s: %w", name, err)
	}
	c.resolvePaths(dir)
	c.validate(r)
	if err := r.errs(); err != nil {
		return nil, err
	}
	return &c, nil
}

// syntaxError turns a TOML decoding error into Errors with the line it is on.
func syntaxError(name string, err error) error {
	p := Problem{File: name, Message: "not valid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		p.Line, _ = de.Position()
	}
	return Errors{p}
}
