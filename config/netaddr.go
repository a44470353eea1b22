package config

import (
	"fmt"
	"net"
	"net/mail"
	"path/filepath"
	"strconv"
	"strings"
)

// hostPort splits a host:port address, requiring a numeric port.
func hostPort(s string) (host string, err error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port", s)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return "", fmt.Errorf("%q has no valid port number", s)
	}
	if strings.ContainsAny(host, " \t\r\n/") {
		return "", fmt.Errorf("%q is not host:port", s)
	}
	return host, nil
}

// isLoopback reports whether host names this machine only: localhost or a loopback IP.
// An empty host (all interfaces) is not loopback.
func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// isUnixSocket reports whether a listen value is a Unix socket path rather than host:port.
func isUnixSocket(listen string) bool {
	return filepath.IsAbs(listen)
}

// validHostname reports whether s is a DNS name: dot-separated labels of letters, digits
// and inner hyphens, each at most 63 bytes, 253 in all.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validAddrSpec reports whether s is a bare address, local@domain, with no display name.
func validAddrSpec(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return validHostname(domain)
}

// validMailbox reports whether s is an address with an optional display name,
// like `IETF Liaison Intake <ls-intake@example.org>`.
func validMailbox(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return false
	}
	return validAddrSpec(a.Address)
}

// sameAddress compares two addresses case-insensitively: local parts are case-sensitive in
// theory, but not on any server that matters here, and loop checks must err on the safe side.
func sameAddress(a, b string) bool {
	return strings.EqualFold(a, b)
}
