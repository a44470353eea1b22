package config

import (
	"errors"
	"strings"
	"testing"
)

func TestReadSecretEnv(t *testing.T) {
	t.Setenv("LIAISOND_TEST_SECRET", "  s3cret\n")
	t.Setenv("LIAISOND_TEST_EMPTY", " ")
	if b, err := ReadSecret("env:LIAISOND_TEST_SECRET"); err != nil || string(b) != "s3cret" {
		t.Errorf("env secret = %q, %v", b, err)
	}
	if _, err := ReadSecret("env:LIAISOND_TEST_EMPTY"); !errors.Is(err, ErrEmptySecret) {
		t.Errorf("empty env secret: %v", err)
	}
	_, err := ReadSecret("env:LIAISOND_TEST_UNSET")
	if err == nil || !strings.Contains(err.Error(), "LIAISOND_TEST_UNSET is not set") {
		t.Errorf("unset env secret: %v", err)
	}
	// A relative *_file path is made relative to the config's folder, an env: one is not.
	c := &Config{Outgoing: Outgoing{PasswordFile: "env:X"}, Confirm: Confirm{TokenSecretFile: "token.key"}}
	c.resolvePaths("/etc/liaisond")
	if c.Outgoing.PasswordFile != "env:X" || c.Confirm.TokenSecretFile != "/etc/liaisond/token.key" {
		t.Errorf("resolved: %q %q", c.Outgoing.PasswordFile, c.Confirm.TokenSecretFile)
	}
}
