package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxSocketPath is the longest Unix socket path the kernel accepts (sun_path less its NUL).
const maxSocketPath = 107

// maxMessageLimit is the largest max_message_bytes accepted: 1 GiB.
const maxMessageLimit = 1 << 30

// Validate checks a Config built in code (such as Default's, adjusted) the way Load checks
// a file. It returns Errors, or nil.
func (c *Config) Validate() error {
	r := newReport(c.File, c.lines)
	c.validate(r)
	return r.errs()
}

// validate records every contradiction and bad value in c.
func (c *Config) validate(r *report) {
	c.validateStore(r)
	seen := map[string]string{} // listen address → path of the first use
	for i := range c.SMTP {
		c.SMTP[i].validate(r, "smtp["+strconv.Itoa(i)+"]", seen)
	}
	names := map[string]bool{}
	for i := range c.IMAP {
		p := "imap[" + strconv.Itoa(i) + "]"
		c.IMAP[i].validate(r, p)
		if n := c.IMAP[i].Name; n != "" {
			if names[n] {
				r.errorf(p+".name", "%q is used by another [[imap]] account", n)
			}
			names[n] = true
		}
	}
	c.Outgoing.validate(r)
	c.validateConfirm(r)
	c.validateAck(r)
	if l := c.HTTP.Listen; l != "" {
		if _, err := hostPort(l); err != nil {
			r.errorf("http.listen", "%v", err)
		} else if _, ok := seen[l]; ok && !anyPort(l) {
			r.errorf("http.listen", "%q is already the address of an [[smtp]] listener", l)
		}
	}
	switch s := c.Admin.Socket; {
	case s == "":
		r.errorf("admin.socket", "required")
	case len(s) > maxSocketPath:
		r.errorf("admin.socket", "%q is longer than the %d bytes a Unix socket path may have", s, maxSocketPath)
	}
	oneOf(r, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf(r, "log.format", c.Log.Format, "json", "console")
}

func (c *Config) validateStore(r *report) {
	if c.Store.Path == "" {
		r.errorf("store.path", "required")
	}
	atLeast(r, "store.max_attempts", c.Store.MaxAttempts, 1)
	minDuration(r, "store.open_timeout", c.Store.OpenTimeout, 100*time.Millisecond)
}

// validate checks one [[smtp]] listener at path p; seen collects listen addresses.
func (s *SMTP) validate(r *report, p string, seen map[string]string) {
	local := true
	switch {
	case s.Listen == "":
		r.errorf(p+".listen", "required")
	case isUnixSocket(s.Listen):
		if len(s.Listen) > maxSocketPath {
			r.errorf(p+".listen", "%q is longer than the %d bytes a Unix socket path may have", s.Listen, maxSocketPath)
		}
	default:
		host, err := hostPort(s.Listen)
		if err != nil {
			r.errorf(p+".listen", "%v (or an absolute path for a Unix socket)", err)
		}
		local = err != nil || isLoopback(host)
	}
	if _, ok := seen[s.Listen]; ok && !anyPort(s.Listen) {
		r.errorf(p+".listen", "%q is also the address of an earlier [[smtp]] listener", s.Listen)
	} else {
		seen[s.Listen] = p + ".listen"
	}
	if s.Hostname != "" && !validHostname(s.Hostname) {
		r.errorf(p+".hostname", "%q is not a host name", s.Hostname)
	}
	if len(s.Recipients) == 0 {
		r.errorf(p+".recipients", "required: the addresses this listener accepts")
	}
	addrList(r, p+".recipients", s.Recipients)
	for i, d := range s.Domains {
		if !validHostname(d) {
			r.errorf(fmt.Sprintf("%s.domains[%d]", p, i), "%q is not a domain", d)
		}
	}
	sizeLimit(r, p+".max_message_bytes", s.MaxMessageBytes)
	atLeast(r, p+".max_recipients", s.MaxRecipients, 1)
	atLeast(r, p+".max_line_length", s.MaxLineLength, 1000)
	minDuration(r, p+".read_timeout", s.ReadTimeout, time.Second)
	minDuration(r, p+".write_timeout", s.WriteTimeout, time.Second)
	atLeast(r, p+".max_connections", s.MaxConnections, 0)
	atLeast(r, p+".max_connections_per_ip", s.MaxConnectionsPerIP, 0)
	atLeast(r, p+".max_commands", s.MaxCommands, 0)
	if !local {
		if s.MaxConnections == 0 {
			r.errorf(p+".max_connections", "0 (unlimited) is allowed only on a loopback address or Unix socket; %q is not one", s.Listen)
		}
		if s.MaxConnectionsPerIP == 0 {
			r.errorf(p+".max_connections_per_ip", "0 (unlimited) is allowed only on a loopback address or Unix socket; %q is not one", s.Listen)
		}
	}
	if s.MaxConnections > 0 && s.MaxConnectionsPerIP > s.MaxConnections {
		r.errorf(p+".max_connections_per_ip", "%d is more than max_connections (%d)", s.MaxConnectionsPerIP, s.MaxConnections)
	}
	switch {
	case s.TLSCert != "" && s.TLSKey == "":
		r.errorf(p+".tls_key", "required with tls_cert")
	case s.TLSKey != "" && s.TLSCert == "":
		r.errorf(p+".tls_cert", "required with tls_key")
	case s.ImplicitTLS && s.TLSCert == "":
		r.errorf(p+".implicit_tls", "needs tls_cert and tls_key")
	}
	if s.TrustedAuthservID != "" && !validHostname(s.TrustedAuthservID) {
		r.errorf(p+".trusted_authserv_id", "%q is not an authserv-id (a host name)", s.TrustedAuthservID)
	}
}

var accountName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// anyPort reports whether a listen value asks the system for a free port (":0"), or is
// empty; such values never clash.
func anyPort(listen string) bool {
	return listen == "" || strings.HasSuffix(listen, ":0")
}

// validate checks one [[imap]] account at path p.
func (m *IMAP) validate(r *report, p string) {
	switch {
	case m.Name == "":
		r.errorf(p+".name", "required")
	case !accountName.MatchString(m.Name):
		r.errorf(p+".name", "%q must be 1 to 64 letters, digits, '.', '_' or '-'", m.Name)
	}
	tlsMode(r, p, m.Address, m.TLS)
	if m.Username == "" {
		r.errorf(p+".username", "required")
	}
	if oneOf(r, p+".auth", m.Auth, "plain", "xoauth2", "oauthbearer") {
		if m.Auth == "plain" {
			secretPair(r, p, "password_file", m.PasswordFile, "bearer_token_file", m.BearerTokenFile, m.Auth)
		} else {
			secretPair(r, p, "bearer_token_file", m.BearerTokenFile, "password_file", m.PasswordFile, m.Auth)
		}
	}
	if len(m.Mailboxes) == 0 {
		r.errorf(p+".mailboxes", "required: at least one mailbox")
	}
	seen := map[string]bool{}
	for i, mb := range m.Mailboxes {
		ip := fmt.Sprintf("%s.mailboxes[%d]", p, i)
		switch {
		case mb == "" || strings.ContainsAny(mb, "\r\n\x00"):
			r.errorf(ip, "%q is not a mailbox name", mb)
		case seen[mailboxKey(mb)]:
			r.errorf(ip, "%q is listed twice", mb)
		}
		seen[mailboxKey(mb)] = true
	}
	if msg := checkAfter(m.After, seen); msg != "" {
		r.errorf(p+".after", "%s", msg)
	}
	minDuration(r, p+".poll_interval", m.PollInterval, 5*time.Second)
	minDuration(r, p+".command_timeout", m.CommandTimeout, time.Second)
	sizeLimit(r, p+".max_message_bytes", m.MaxMessageBytes)
}

// secretPair requires the secret file the auth mechanism uses and forbids the other one.
func secretPair(r *report, p, need, needVal, other, otherVal, auth string) {
	if needVal == "" {
		r.errorf(p+"."+need, "required with auth = %q", auth)
	}
	if otherVal != "" {
		r.errorf(p+"."+other, "not used with auth = %q; remove it or change auth", auth)
	}
}

// mailboxKey normalises a mailbox name for comparison: INBOX is case-insensitive.
func mailboxKey(mb string) string {
	if strings.EqualFold(mb, "INBOX") {
		return "INBOX"
	}
	return mb
}

// checkAfter checks an [[imap]] after value; it returns what is wrong, or "".
func checkAfter(after string, watched map[string]bool) string {
	kind, arg, _ := strings.Cut(after, ":")
	switch {
	case after == "none":
		return ""
	case kind == "keyword":
		if arg == "" || arg[0] == '\\' || strings.ContainsFunc(arg, func(c rune) bool {
			return c <= ' ' || c >= 0x7f || strings.ContainsRune(`(){%*"\]`, c)
		}) {
			return fmt.Sprintf("%q: the keyword must be an IMAP atom such as $LiaisonRecorded (not a system flag)", after)
		}
		return ""
	case kind == "move":
		if arg == "" || strings.ContainsAny(arg, "\r\n\x00") {
			return fmt.Sprintf("%q: move needs a folder name, like move:Archive/Liaisons", after)
		}
		if watched[mailboxKey(arg)] {
			return fmt.Sprintf("%q moves into a watched mailbox", after)
		}
		return ""
	}
	return fmt.Sprintf("%q is not none, keyword:$Name or move:Folder", after)
}

// validate checks the [outgoing] section.
func (o *Outgoing) validate(r *report) {
	tlsMode(r, "outgoing", o.Address, o.TLS)
	switch {
	case o.Username != "" && o.PasswordFile == "":
		r.errorf("outgoing.password_file", "required with username")
	case o.PasswordFile != "" && o.Username == "":
		r.errorf("outgoing.username", "required with password_file")
	}
	switch {
	case o.From == "":
		r.errorf("outgoing.from", "required")
	case !validMailbox(o.From):
		r.errorf("outgoing.from", "%q is not an address like \"IETF Liaison Intake <ls-intake@example.org>\"", o.From)
	}
	if o.Hostname != "" && !validHostname(o.Hostname) {
		r.errorf("outgoing.hostname", "%q is not a host name", o.Hostname)
	}
	atLeast(r, "outgoing.max_per_hour", o.MaxPerHour, 1)
	minDuration(r, "outgoing.timeout", o.Timeout, time.Second)
	atLeast(r, "outgoing.max_attempts", o.MaxAttempts, 1)
	minDuration(r, "outgoing.retry_initial", o.RetryInitial, time.Second)
	minDuration(r, "outgoing.retry_max", o.RetryMax, time.Second)
	if o.RetryMax < o.RetryInitial {
		r.errorf("outgoing.retry_max", "%s is shorter than retry_initial (%s)", formatDuration(o.RetryMax), formatDuration(o.RetryInitial))
	}
}

func (c *Config) validateConfirm(r *report) {
	cf := &c.Confirm
	if len(cf.Coordinators) == 0 {
		r.errorf("confirm.coordinators", "required: who confirms records")
	}
	addrList(r, "confirm.coordinators", cf.Coordinators)
	switch {
	case cf.ReplyAddress == "":
		r.errorf("confirm.reply_address", "required")
	case !validAddrSpec(cf.ReplyAddress):
		r.errorf("confirm.reply_address", "%q is not an address like ls-intake@example.org", cf.ReplyAddress)
	case strings.Contains(cf.ReplyAddress, "+"):
		r.errorf("confirm.reply_address", "%q must not contain '+': the token is added as +c-TOKEN", cf.ReplyAddress)
	}
	for i, a := range cf.Coordinators {
		if c.isOurs(a) {
			r.errorf(fmt.Sprintf("confirm.coordinators[%d]", i), "%q is one of our own addresses: mail would loop", a)
		}
	}
	if cf.TokenSecretFile == "" {
		r.errorf("confirm.token_secret_file", "required")
	}
	minDuration(r, "confirm.token_ttl", cf.TokenTTL, time.Hour)
}

func (c *Config) validateAck(r *report) {
	a := &c.Ack
	oneOf(r, "ack.policy", a.Policy, "on-confirm", "on-receipt")
	addrList(r, "ack.cc", a.Cc)
	for i, cc := range a.Cc {
		if c.isOurs(cc) {
			r.errorf(fmt.Sprintf("ack.cc[%d]", i), "%q is one of our own addresses: mail would loop", cc)
		}
	}
	atLeast(r, "ack.max_per_recipient_per_day", a.MaxPerRecipientPerDay, 1)
	for i, d := range a.SDODomains {
		if !validHostname(d) {
			r.errorf(fmt.Sprintf("ack.sdo_domains[%d]", i), "%q is not a domain", d)
		}
	}
	if a.RecordURL != "" {
		u, err := url.Parse(a.RecordURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			r.errorf("ack.record_url", "%q is not an http or https URL", a.RecordURL)
		}
	}
}

// isOurs reports whether addr, or the address it is a sub-address of (local+tag@domain), is
// one the daemon receives at: a listener's recipient or the reply address.
func (c *Config) isOurs(addr string) bool {
	if local, domain, ok := strings.Cut(addr, "@"); ok {
		if base, _, tagged := strings.Cut(local, "+"); tagged {
			addr = base + "@" + domain
		}
	}
	if c.Confirm.ReplyAddress != "" && sameAddress(addr, c.Confirm.ReplyAddress) {
		return true
	}
	for _, s := range c.SMTP {
		for _, rcpt := range s.Recipients {
			if sameAddress(addr, rcpt) {
				return true
			}
		}
	}
	return false
}

// tlsMode checks an address and its tls value: plain text only to a loopback host.
func tlsMode(r *report, p, addr, mode string) {
	host := ""
	if addr == "" {
		r.errorf(p+".address", "required")
	} else if h, err := hostPort(addr); err != nil {
		r.errorf(p+".address", "%v", err)
	} else if h == "" {
		r.errorf(p+".address", "%q names no host", addr)
	} else {
		host = h
	}
	if oneOf(r, p+".tls", mode, "implicit", "starttls", "none") && mode == "none" && host != "" && !isLoopback(host) {
		r.errorf(p+".tls", `"none" is allowed only for a loopback address; %q is not one`, addr)
	}
}

// oneOf checks that v is one of the allowed values; it reports whether it is.
func oneOf(r *report, p, v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	r.errorf(p, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return false
}

// addrList checks that every element is a bare address.
func addrList(r *report, p string, addrs []string) {
	for i, a := range addrs {
		if !validAddrSpec(a) {
			r.errorf(fmt.Sprintf("%s[%d]", p, i), "%q is not an address like name@example.org", a)
		}
	}
}

func atLeast(r *report, p string, v, lo int) {
	if v < lo {
		r.errorf(p, "%d is less than %d", v, lo)
	}
}

func minDuration(r *report, p string, d, lo time.Duration) {
	if d < lo {
		r.errorf(p, "%s is shorter than %s", formatDuration(d), formatDuration(lo))
	}
}

func sizeLimit(r *report, p string, n ByteSize) {
	if n < 1 || n > maxMessageLimit {
		r.errorf(p, "%d is not between 1 and %d (1GiB)", n, maxMessageLimit)
	}
}

// resolvePaths makes relative file paths relative to dir, the configuration file's folder.
func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) && !strings.HasPrefix(*p, envPrefix) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.Store.Path)
	for i := range c.SMTP {
		abs(&c.SMTP[i].TLSCert)
		abs(&c.SMTP[i].TLSKey)
	}
	for i := range c.IMAP {
		abs(&c.IMAP[i].PasswordFile)
		abs(&c.IMAP[i].BearerTokenFile)
	}
	abs(&c.Outgoing.PasswordFile)
	abs(&c.Confirm.TokenSecretFile)
	abs(&c.Admin.Socket)
	abs(&c.Log.File)
}
