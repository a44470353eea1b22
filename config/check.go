package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// minTokenSecret is the shortest token secret accepted: 256 bits.
const minTokenSecret = 32

// Check looks on this machine at what the configuration names: secret files, TLS
// certificates and keys, the folders of the store, admin socket and log file, and whether
// any source is configured. With strict false (check-config) what is missing is a warning,
// since an example may name files of another host; with strict true (serve) it is an
// error. Some findings, such as a world-readable secret, are always warnings.
// err is Errors, or nil.
func (c *Config) Check(strict bool) (warnings []Problem, err error) {
	r := newReport(c.File, c.lines)
	problem := func(path, format string, args ...any) {
		r.add(path, displayKey(path), !strict, format, args...)
	}
	secret := func(path, file string) []byte {
		if file == "" {
			return nil
		}
		b, err := ReadSecret(file)
		if err != nil {
			problem(path, "%v", unwrapConfig(err))
			return nil
		}
		if fi, err := os.Stat(file); err == nil && !strings.HasPrefix(file, envPrefix) && fi.Mode().Perm()&0o007 != 0 {
			r.add(path, displayKey(path), true, "%s can be read by any user (mode %04o): chmod o-rwx it", file, fi.Mode().Perm())
		}
		return b
	}
	folder := func(path, file string) {
		if file == "" {
			return
		}
		dir := filepath.Dir(file)
		fi, err := os.Stat(dir)
		switch {
		case err != nil:
			problem(path, "folder %s: %v", dir, pathReason(err))
		case !fi.IsDir():
			problem(path, "%s is not a folder", dir)
		}
	}

	folder("store.path", c.Store.Path)
	for i, s := range c.SMTP {
		p := "smtp[" + strconv.Itoa(i) + "]"
		if isUnixSocket(s.Listen) {
			folder(p+".listen", s.Listen)
		}
		if s.TLSCert != "" && s.TLSKey != "" {
			cert, certErr := os.ReadFile(s.TLSCert)
			if certErr != nil {
				problem(p+".tls_cert", "%v", unwrapPath(certErr))
			}
			key, keyErr := os.ReadFile(s.TLSKey)
			if keyErr != nil {
				problem(p+".tls_key", "%v", unwrapPath(keyErr))
			}
			if certErr == nil && keyErr == nil {
				if _, err := tls.X509KeyPair(cert, key); err != nil {
					problem(p+".tls_cert", "%s with %s: %v", s.TLSCert, s.TLSKey, err)
				}
			}
		} else if host, err := hostPort(s.Listen); err == nil && !isLoopback(host) {
			r.add(p+".listen", displayKey(p+".listen"), true,
				"%q is not loopback and has no tls_cert: mail to it travels unencrypted", s.Listen)
		}
	}
	for i, m := range c.IMAP {
		p := "imap[" + strconv.Itoa(i) + "]"
		secret(p+".password_file", m.PasswordFile)
		secret(p+".bearer_token_file", m.BearerTokenFile)
	}
	secret("outgoing.password_file", c.Outgoing.PasswordFile)
	if key := secret("confirm.token_secret_file", c.Confirm.TokenSecretFile); key != nil && len(key) < minTokenSecret {
		problem("confirm.token_secret_file", "the secret in %s has %d bytes; use at least %d random bytes (head -c 32 /dev/urandom | base64)",
			c.Confirm.TokenSecretFile, len(key), minTokenSecret)
	}
	folder("admin.socket", c.Admin.Socket)
	folder("log.file", c.Log.File)
	if len(c.SMTP) == 0 && len(c.IMAP) == 0 {
		problem("", "no [[smtp]] listener and no [[imap]] account: nothing would be received")
	}

	for _, p := range r.sorted() {
		if p.Warning {
			warnings = append(warnings, p)
		}
	}
	return warnings, r.errs()
}

// unwrapConfig drops ReadSecret's "config: " prefix, which the problem's location replaces.
func unwrapConfig(err error) string {
	const prefix = "config: "
	s := err.Error()
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

// pathReason returns why a file operation failed, without the path.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// unwrapPath shortens an *fs.PathError to "path: reason".
func unwrapPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s: %v", pe.Path, pe.Err)
	}
	return err.Error()
}
