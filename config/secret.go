package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxSecretBytes bounds a secret file: passwords, tokens and keys are small.
const maxSecretBytes = 64 << 10

// ReadSecret reads a secret file whole and returns its content with surrounding white space
// (a trailing newline) trimmed. An empty or oversized file is an error. Errors name the
// file, never its content.
func ReadSecret(path string) ([]byte, error) {
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
