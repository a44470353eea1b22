package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const examplePath = "../systemd/liaisond.toml"

// TestExampleLoads: the shipped example validates, and check-config (non-strict) finds only
// warnings (it names files of the target host).
func TestExampleLoads(t *testing.T) {
	c, err := Load(examplePath)
	if err != nil {
		t.Fatalf("the example does not load:\n%v", err)
	}
	warnings, err := c.Check(false)
	if err != nil {
		t.Fatalf("non-strict Check returned errors:\n%v", err)
	}
	for _, w := range warnings {
		if !w.Warning || w.File != examplePath {
			t.Errorf("bad warning %+v", w)
		}
		t.Logf("warning: %v", w)
	}
}

// TestExampleDocumentsEveryKey: every key of every section appears in the example, with a
// comment line right above it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	found := map[string]bool{} // section.key → documented
	section := ""
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "[["):
			section = strings.Trim(l, "[]")
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[]")
		case l != "" && !strings.HasPrefix(l, "#"):
			key, _, _ := strings.Cut(l, "=")
			documented := i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#")
			found[section+"."+strings.TrimSpace(key)] = documented
		}
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		sec := ct.Field(i).Tag.Get("toml")
		if sec == "-" || sec == "" {
			continue
		}
		st := ct.Field(i).Type
		if st.Kind() == reflect.Slice {
			st = st.Elem()
		}
		for j := range st.NumField() {
			k := sec + "." + st.Field(j).Tag.Get("toml")
			documented, ok := found[k]
			switch {
			case !ok:
				t.Errorf("%s is missing from %s", k, examplePath)
			case !documented:
				t.Errorf("%s has no comment right above it in %s", k, examplePath)
			}
		}
	}
}

func TestCheckStrictness(t *testing.T) {
	dir := t.TempDir()
	src := `[store]
path = "db/liaisond.db"
[[smtp]]
listen = "127.0.0.1:2525"
recipients = ["ls-intake@example.org"]
[outgoing]
address = "127.0.0.1:25"
tls = "none"
username = "u"
password_file = "missing.pass"
from = "ls-intake@example.org"
[confirm]
coordinators = ["c@example.org"]
reply_address = "ls-intake@example.org"
token_secret_file = "token.key"
[admin]
socket = "run/admin.sock"
`
	name := filepath.Join(dir, "liaisond.toml")
	if err := os.WriteFile(name, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token.key"), []byte("short\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	warnings, err := c.Check(false)
	if err != nil {
		t.Fatalf("non-strict: %v", err)
	}
	wantKeys := []string{"[store] path", "[outgoing] password_file", "[confirm] token_secret_file", "[confirm] token_secret_file", "[admin] socket"}
	var gotKeys []string
	for _, w := range warnings {
		gotKeys = append(gotKeys, w.Key)
		if w.Line == 0 {
			t.Errorf("warning without a line: %v", w)
		}
	}
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Errorf("warnings on %q, want %q:\n%v", gotKeys, wantKeys, Errors(warnings))
	}

	warnings, err = c.Check(true)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("strict Check = %v, want Errors", err)
	}
	if len(errs) != 4 || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "any user") {
		t.Errorf("strict: errors\n%v\nwarnings %v", errs, warnings)
	}
	if !strings.HasPrefix(errs[0].Error(), name+":2: [store] path: folder ") {
		t.Errorf("first error %q", errs[0].Error())
	}

	// Fix everything: strict passes.
	for _, d := range []string{"db", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "missing.pass"), "hunter2\n")
	writeFile(t, filepath.Join(dir, "token.key"), strings.Repeat("k", 40)+"\n")
	if err := os.Chmod(filepath.Join(dir, "token.key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if warnings, err := c.Check(true); err != nil || len(warnings) != 0 {
		t.Errorf("after fixing: %v %v", warnings, err)
	}
}

func TestCheckTLSAndSources(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	c, err := Default(dir)
	if err != nil {
		t.Fatal(err)
	}
	c.SMTP[0].TLSCert, c.SMTP[0].TLSKey = cert, key
	if w, err := c.Check(true); err != nil || len(w) != 0 {
		t.Fatalf("good pair: %v %v", w, err)
	}
	c.SMTP[0].TLSKey = cert // a certificate is not a key
	if _, err := c.Check(true); err == nil || !strings.Contains(err.Error(), "[[smtp]] tls_cert") {
		t.Errorf("mismatched pair: %v", err)
	}
	c.SMTP[0].TLSCert, c.SMTP[0].TLSKey = filepath.Join(dir, "nope.pem"), filepath.Join(dir, "nope.key")
	if _, err := c.Check(true); err == nil || strings.Count(err.Error(), "no such file") != 2 {
		t.Errorf("missing files: %v", err)
	}
	c.SMTP = nil
	if _, err := c.Check(true); err == nil || !strings.Contains(err.Error(), "nothing would be received") {
		t.Errorf("no sources: %v", err)
	}
	c.SMTP = []SMTP{{Listen: "192.0.2.1:25"}}
	if w, _ := c.Check(false); len(w) != 1 || !strings.Contains(w[0].Message, "unencrypted") {
		t.Errorf("public listener without TLS: %v", w)
	}
}

func TestDefault(t *testing.T) {
	dir := t.TempDir()
	c, err := Default(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Default does not validate:\n%v", err)
	}
	if w, err := c.Check(true); err != nil || len(w) != 0 {
		t.Fatalf("Default does not pass a strict check: %v %v", w, err)
	}
	key, err := ReadSecret(c.Confirm.TokenSecretFile)
	if err != nil || len(key) < minTokenSecret {
		t.Fatalf("token secret: %d bytes, %v", len(key), err)
	}
	// A second Default on the same folder keeps the secret.
	c2, err := Default(dir)
	if err != nil {
		t.Fatal(err)
	}
	key2, _ := ReadSecret(c2.Confirm.TokenSecretFile)
	if string(key) != string(key2) {
		t.Error("Default replaced an existing token secret")
	}
	if c.Log.Format != "console" || !strings.HasPrefix(c.Store.Path, dir) || !strings.HasPrefix(c.SMTP[0].Listen, "127.0.0.1:") {
		t.Errorf("unexpected demo config %+v", c)
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content, want string
		err                 bool
	}{
		{"newline", "s3cret\n", "s3cret", false},
		{"crlf", "  s3cret pass\r\n\n", "s3cret pass", false},
		{"empty", " \n\t", "", true},
		{"big", strings.Repeat("x", maxSecretBytes+1), "", true},
	} {
		p := filepath.Join(dir, tc.name)
		writeFile(t, p, tc.content)
		got, err := ReadSecret(p)
		if (err != nil) != tc.err || string(got) != tc.want {
			t.Errorf("%s: %q, %v", tc.name, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "xxxx") {
			t.Errorf("%s: the error shows the content: %v", tc.name, err)
		}
	}
	if _, err := ReadSecret(filepath.Join(dir, "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent: %v, want ErrNotExist wrapped", err)
	}
	if _, err := ReadSecret(filepath.Join(dir, "empty")); !errors.Is(err, ErrEmptySecret) {
		t.Errorf("empty: %v, want ErrEmptySecret wrapped", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// selfSigned writes a throwaway certificate and key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
	return certFile, keyFile
}
