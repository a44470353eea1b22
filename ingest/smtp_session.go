package ingest

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/store"
)

// backend makes a session per EHLO.
type backend struct{ s *SMTPServer }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := b.s
	lc := connOf(c)
	if s.draining.Load() {
		s.countRejection(errShuttingDown.Code)
		return nil, errShuttingDown
	}
	sess := &session{s: s, c: c, lc: lc, ehlo: c.Hostname()}
	if lc != nil {
		lc.setSession(c)
		sess.ip = lc.ip
		sess.log = s.log.With(zap.Uint64("conn", lc.id), zap.String("remote", lc.RemoteAddr().String()))
	} else {
		sess.log = s.log.With(zap.String("remote", c.Conn().RemoteAddr().String()))
	}
	if st, ok := c.TLSConnectionState(); ok {
		sess.tls = &st
	}
	return sess, nil
}

// session is one client between EHLOs. It implements smtp.LMTPSession.
type session struct {
	s    *SMTPServer
	c    *smtp.Conn
	lc   *limitedConn // nil only if the connection did not come through smtpListener
	log  *zap.Logger
	ehlo string
	ip   netip.Addr
	tls  *tls.ConnectionState

	from  string
	utf8  bool
	rcpts []string
}

var _ smtp.LMTPSession = (*session)(nil)

func (se *session) Reset() {
	se.from, se.utf8, se.rcpts = "", false, nil
	if se.lc != nil {
		se.lc.endTx()
	}
}

func (se *session) Logout() error {
	if se.lc != nil {
		se.lc.endTx()
	}
	return nil
}

func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	if se.lc != nil && !se.lc.beginTx() {
		se.s.countRejection(errShuttingDown.Code)
		return errShuttingDown
	}
	se.from, se.rcpts = from, nil
	if opts != nil {
		se.utf8 = opts.UTF8
	}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !se.s.acceptsRecipient(to) {
		se.log.Debug("smtp recipient refused", zap.String("rcpt", to), zap.String("from", se.from))
		se.s.countRejection(errNoSuchUser.Code)
		return errNoSuchUser
	}
	se.rcpts = append(se.rcpts, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	return se.receive(r)
}

// LMTPData stores the message once for all its recipients and gives each the result.
func (se *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	err := se.receive(r)
	for _, rcpt := range se.rcpts {
		status.SetStatus(rcpt, err)
	}
	return err
}

// receive reads one message, stores it through the Acceptor and returns nil (250) only
// once Accept returned. Every error it returns is an *smtp.SMTPError.
func (se *session) receive(r io.Reader) error {
	err := se.receive1(r)
	if err != nil {
		se.s.countRejection(err.Code)
		return err
	}
	return nil
}

func (se *session) receive1(r io.Reader) *smtp.SMTPError {
	s := se.s
	fast := se.takeData()
	if !s.beginData() {
		return errTempFailure
	}
	defer s.inflight.Done()

	start := time.Now()
	txid := newTxID()
	trace := se.traceField(txid, start)
	raw, err := se.readData(r, len(trace), fast)
	if err != nil {
		return se.readFailed(err, txid)
	}
	raw, info := finishMessage(raw, len(trace), trace, s.cfg.TrustedAuthservID)
	if info.received > maxReceivedFields {
		se.log.Info("smtp message refused: mail loop", zap.String("txid", txid),
			zap.Int("received_fields", info.received), zap.String("from", se.from))
		return errLoop
	}
	env := store.Envelope{
		Source:    s.source,
		From:      se.from,
		To:        uniqueFold(se.rcpts),
		Received:  start,
		MessageID: info.messageID,
	}
	id, err := s.acc.Accept(s.acceptCtx, env, raw)
	if err != nil {
		se.log.Error("smtp message not stored, answered 451", zap.String("txid", txid),
			zap.String("from", se.from), zap.Strings("rcpts", env.To), zap.Int("size", len(raw)), zap.Error(err))
		return errTempFailure
	}
	se.log.Info("smtp message accepted", zap.Stringer("id", id), zap.String("txid", txid),
		zap.String("message_id", info.messageID), zap.String("from", se.from), zap.Strings("rcpts", env.To),
		zap.Int("size", len(raw)), zap.Bool("tls", se.tls != nil), zap.Int("stripped_auth_results", info.stripped),
		zap.Duration("took", time.Since(start)))
	s.countAccepted(len(raw))
	return nil
}

// readFailed maps a failure while reading DATA to the reply; nothing is stored.
func (se *session) readFailed(err error, txid string) *smtp.SMTPError {
	var reply *smtp.SMTPError
	switch {
	case errors.Is(err, smtp.ErrDataTooLarge):
		reply = smtp.ErrDataTooLarge
	case errors.Is(err, smtp.ErrTooLongLine):
		reply = errLineTooLong(se.s.cfg.MaxLineLength)
	default: // the client went away, timed out, or reset a BDAT transfer
		reply = errTransferFailed
	}
	se.log.Info("smtp message refused while receiving", zap.String("txid", txid), zap.String("from", se.from),
		zap.Int("code", reply.Code), zap.Error(err))
	return reply
}

// traceField is the Received: field prepended to the stored copy, with CRLF line ends:
// the EHLO name, client address, TLS and transaction id are provenance the store's
// Envelope has no field for.
func (se *session) traceField(txid string, now time.Time) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("Received: from ")
	b.WriteString(cleanHelo(se.ehlo))
	if se.ip.IsValid() {
		if se.ip.Is4() {
			b.WriteString(" ([" + se.ip.String() + "])")
		} else {
			b.WriteString(" ([IPv6:" + se.ip.String() + "])")
		}
	}
	b.WriteString("\r\n\tby ")
	b.WriteString(se.s.hostname)
	b.WriteString(" (liaisond) with ")
	b.WriteString(se.protocol())
	b.WriteString(" id ")
	b.WriteString(txid)
	if se.tls != nil {
		fmt.Fprintf(&b, "\r\n\t(using %s with cipher %s)", tls.VersionName(se.tls.Version), tls.CipherSuiteName(se.tls.CipherSuite))
	}
	if rcpts := uniqueFold(se.rcpts); len(rcpts) == 1 {
		b.WriteString("\r\n\tfor <")
		b.WriteString(cleanAddr(rcpts[0]))
		b.WriteString(">")
	}
	b.WriteString(";\r\n\t")
	b.WriteString(now.Format(time.RFC1123Z))
	b.WriteString("\r\n")
	return b.String()
}

// protocol is the Received "with" keyword (RFC 3848, RFC 6531).
func (se *session) protocol() string {
	p := "ESMTP"
	if se.s.cfg.LMTP {
		p = "LMTP"
	}
	if se.utf8 {
		p = "UTF8" + strings.TrimPrefix(p, "E")
	}
	if se.tls != nil {
		p += "S"
	}
	return p
}

// cleanHelo keeps an EHLO argument to characters that cannot break the Received field.
func cleanHelo(h string) string {
	if h == "" {
		return "unknown"
	}
	if len(h) > 255 {
		h = h[:255]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_:[]", r):
			return r
		}
		return '?'
	}, h)
}

// cleanAddr drops control characters and angle brackets from an envelope address.
func cleanAddr(a string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '<' || r == '>' {
			return -1
		}
		return r
	}, a)
}

// uniqueFold returns the addresses without case-insensitive repeats, in order.
func uniqueFold(list []string) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		if !slices.ContainsFunc(out, func(b string) bool { return strings.EqualFold(a, b) }) {
			out = append(out, a)
		}
	}
	return out
}

var txidEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newTxID names one transaction in the Received field and the logs.
func newTxID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return txidEncoding.EncodeToString(b[:])
}

// setRecipients prepares the RCPT check from the configured addresses and domains.
func (s *SMTPServer) setRecipients(addrs, domains []string) error {
	s.exact = make(map[string]bool)
	s.rcpts = make(map[string]bool)
	s.domains = make(map[string]bool)
	for _, a := range addrs {
		local, domain, ok := splitAddr(a)
		if !ok {
			return fmt.Errorf("recipient %q is not an address", a)
		}
		s.exact[local+"@"+domain] = true
		s.rcpts[local] = true
	}
	for _, d := range domains {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d == "" {
			return fmt.Errorf("domain %q is empty", d)
		}
		s.domains[d] = true
	}
	return nil
}

// acceptsRecipient reports whether mail to addr is ours: a configured address, one of its
// sub-addresses (local+tag@domain), or a configured local part under one of Domains.
// Case is ignored.
func (s *SMTPServer) acceptsRecipient(addr string) bool {
	local, domain, ok := splitAddr(addr)
	if !ok {
		return false
	}
	candidates := []string{local}
	for i := 0; i < len(local); i++ {
		if local[i] == '+' && i > 0 {
			candidates = append(candidates, local[:i])
		}
	}
	for _, l := range candidates {
		if s.exact[l+"@"+domain] || s.domains[domain] && s.rcpts[l] {
			return true
		}
	}
	return false
}

// splitAddr splits local@domain at the last @, in lower case, without a trailing dot.
func splitAddr(a string) (local, domain string, ok bool) {
	a = strings.ToLower(strings.TrimSpace(a))
	i := strings.LastIndexByte(a, '@')
	if i <= 0 || i == len(a)-1 {
		return "", "", false
	}
	return a[:i], strings.TrimSuffix(a[i+1:], "."), true
}
