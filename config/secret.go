package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecretBytes bounds a secret file: passwords, tokens and keys are small.
const maxSecretBytes = 64 << 10

// envPrefix names an environment variable instead of a file in a *_file key
// ("env:LIAISOND_SMTP_PASSWORD"), for secrets handed over by systemd or a container.
const envPrefix = "env:"

// ReadSecret reads a secret file whole and returns its content with surrounding white space
// (a trailing newline) trimmed; "env:NAME" reads the environment variable NAME instead. An
// empty or oversized secret is an error. Errors name the file or variable, never the
// content.
func ReadSecret(path string) ([]byte, error) {
	if name, ok := strings.CutPrefix(path, envPrefix); ok {
		v, set := os.LookupEnv(name)
		if !set {
			return nil, fmt.Errorf("config: secret environment variable %s is not set", name)
		}
		b := bytes.TrimSpace([]byte(v))
		if len(b) == 0 {
			return nil, fmt.Errorf("config: secret environment variable %s: %w", name, ErrEmptySecret)
		}
		if len(b) > maxSecretBytes {
			return nil, fmt.Errorf("config: secret environment variable %s: %w", name, errSecretTooLarge)
		}
		return b, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: secret file: %w", err) // the *PathError names the file
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: reading secret file %s: %w", path, err)
	}
	if len(b) > maxSecretBytes {
		return nil, fmt.Errorf("config: secret file %s: %w", path, errSecretTooLarge)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, fmt.Errorf("config: secret file %s: %w", path, ErrEmptySecret)
	}
	return b, nil
}

// ErrEmptySecret is returned (wrapped) by ReadSecret for a file holding only white space.
var ErrEmptySecret = errors.New("empty")

var errSecretTooLarge = fmt.Errorf("larger than %d bytes", maxSecretBytes)
