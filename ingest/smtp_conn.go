package ingest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"go.uber.org/zap"
)

// Replies written by the listener itself, outside go-smtp's command handling.
const (
	replyTooManyConns    = "421 4.7.0 Too many connections, try again later\r\n"
	replyTooManyFromIP   = "421 4.7.0 Too many connections from your address, try again later\r\n"
	replyTooManyCommands = "421 4.7.0 Too many commands in one connection, closing\r\n"
	replyShuttingDown    = "421 4.3.2 Service shutting down, try again later\r\n"
)

// maxRefusing bounds the goroutines writing a 421 to refused connections; beyond it a
// refused connection is closed without a word.
const maxRefusing = 64

// refuseWriteTimeout bounds writing a 421 to a connection that is being closed.
const refuseWriteTimeout = 5 * time.Second

// smtpListener admits connections within the overall and per-address limits; the others
// get 421 4.7.0 and are closed. With implicit TLS it wraps the admitted ones in TLS.
type smtpListener struct {
	net.Listener
	s *SMTPServer
}

func (l *smtpListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.s.countConnection()
		lc, reply := l.s.admit(c)
		if lc == nil {
			l.s.refuseConn(c, reply)
			continue
		}
		if l.s.cfg.ImplicitTLS {
			tc := tls.Server(lc, l.s.tls)
			lc.implicit = tc
			lc.commands = -1 // go-smtp sets a read deadline for the handshake too
			return tc, nil
		}
		return lc, nil
	}
}

// admit registers c, or returns the 421 reply to refuse it with.
func (s *SMTPServer) admit(c net.Conn) (*limitedConn, string) {
	ip := clientIP(c.RemoteAddr())
	key := ipKey(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.draining.Load():
		return nil, replyShuttingDown
	case s.cfg.MaxConnections > 0 && len(s.conns) >= s.cfg.MaxConnections:
		return nil, replyTooManyConns
	case key != "" && s.cfg.MaxConnectionsPerIP > 0 && s.perIP[key] >= s.cfg.MaxConnectionsPerIP:
		return nil, replyTooManyFromIP
	}
	lc := &limitedConn{Conn: c, s: s, id: s.connSeq.Add(1), ip: ip, key: key}
	s.conns[lc] = struct{}{}
	if key != "" {
		s.perIP[key]++
	}
	return lc, ""
}

// release forgets a closed connection.
func (s *SMTPServer) release(lc *limitedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, lc)
	if lc.key != "" {
		if s.perIP[lc.key]--; s.perIP[lc.key] <= 0 {
			delete(s.perIP, lc.key)
		}
	}
	if len(s.conns) == 0 {
		for _, ch := range s.emptyWaiters {
			close(ch)
		}
		s.emptyWaiters = nil
	}
}

// refuseConn answers reply on c and closes it, in the background and within
// refuseWriteTimeout.
func (s *SMTPServer) refuseConn(c net.Conn, reply string) {
	s.log.Info("smtp connection refused", zap.String("remote", c.RemoteAddr().String()),
		zap.String("reply", reply[:len(reply)-2]))
	s.countRejection(421)
	s.mu.Lock()
	if s.bgClosed || s.refusing >= maxRefusing {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.refusing++
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		defer func() {
			s.mu.Lock()
			s.refusing--
			s.mu.Unlock()
		}()
		_ = c.SetDeadline(time.Now().Add(refuseWriteTimeout))
		w := c
		if s.cfg.ImplicitTLS {
			w = tls.Server(c, s.tls)
		}
		_, _ = io.WriteString(w, reply)
		lingerClose(c)
		_ = w.Close()
	}()
}

// clientIP is the remote IP of a TCP connection; invalid for a Unix socket.
func clientIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

// ipKey is what the per-address limit counts: the IPv4 address, or the IPv6 /64 (one
// host usually has a whole /64). Empty (no limit) for Unix sockets.
func ipKey(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return ""
	case ip.Is4():
		return ip.String()
	default:
		p, _ := ip.Prefix(64)
		return p.String()
	}
}

// limitedConn is one admitted connection. Besides releasing its place in the limits when
// closed, it sees every command: go-smtp sets the read deadline before reading each
// command line (ReadTimeout is never 0 here), and never while reading a message. That is
// where the command limit is enforced and where a draining server closes connections that
// are between transactions.
type limitedConn struct {
	net.Conn
	s        *SMTPServer
	id       uint64
	ip       netip.Addr
	key      string
	implicit *tls.Conn // set with implicit TLS, before the connection is used

	// Read-ahead, used only by the goroutine reading the connection (smtp_data.go).
	rbuf   []byte
	rpos   int
	rerr   error  // from the socket, after the bytes read with it
	inject []byte // handed to go-smtp before anything else: the end of a message read here
	sticky error  // a message read here failed: every later read fails the same way

	// Set by the replies go-smtp writes.
	greeted  atomic.Bool // the 220 greeting went out
	tlsOn    atomic.Bool // a later 220 started TLS: from now on the bytes are ciphertext
	dataNext atomic.Bool // a 354 went out: the message is next, unread (smtp_data.go)

	closeOnce  sync.Once
	refuseOnce sync.Once

	mu       sync.Mutex
	sc       *smtp.Conn // known from the first EHLO on
	commands int
	busy     bool // inside a transaction: from MAIL to its end
	kicked   bool // a shutdown interrupted its reads
	refused  bool
}

// SetReadDeadline is called by go-smtp before each command is read.
func (lc *limitedConn) SetReadDeadline(t time.Time) error {
	lc.mu.Lock()
	lc.commands++
	reply := ""
	switch {
	case lc.refused:
		lc.mu.Unlock()
		return net.ErrClosed
	case lc.kicked || lc.s.draining.Load() && !lc.busy:
		reply = replyShuttingDown
	case lc.s.cfg.MaxCommands > 0 && lc.commands > lc.s.cfg.MaxCommands:
		reply = replyTooManyCommands
	}
	lc.mu.Unlock()
	if reply != "" {
		lc.refuse(reply)
		return net.ErrClosed
	}
	return lc.Conn.SetReadDeadline(t)
}

// readAhead is how much one read from the socket may take: go-smtp reads through a 4 KiB
// bufio.Reader, which would cost a system call per 4 KiB of message.
const readAhead = 32 << 10

// Read gives go-smtp what the client sent, read ahead from the socket. In plain text it
// gives at most one line per call, so that go-smtp never holds the start of a message
// when it answers 354 (see smtp_data.go). It ends the connection with 421 when a shutdown
// interrupted it.
func (lc *limitedConn) Read(b []byte) (int, error) {
	if len(lc.inject) > 0 {
		n := copy(b, lc.inject)
		lc.inject = lc.inject[n:]
		return n, nil
	}
	if lc.sticky != nil {
		return 0, lc.sticky
	}
	plain := lc.implicit == nil && !lc.tlsOn.Load()
	if lc.rpos == len(lc.rbuf) {
		if !plain && len(b) >= readAhead {
			return lc.read(b)
		}
		if err := lc.fill(); err != nil {
			return 0, err
		}
	}
	avail := lc.rbuf[lc.rpos:]
	if i := bytes.IndexByte(avail, '\n'); plain && i >= 0 {
		avail = avail[:i+1]
	}
	n := copy(b, avail)
	lc.rpos += n
	return n, nil
}

// fill reads from the socket into the read-ahead buffer, after the unread bytes; an error
// that came with bytes is returned by the next fill.
func (lc *limitedConn) fill() error {
	if lc.rerr != nil {
		err := lc.rerr
		lc.rerr = nil
		return err
	}
	if cap(lc.rbuf) == 0 {
		lc.rbuf = make([]byte, 0, readAhead)
	}
	kept := copy(lc.rbuf[:cap(lc.rbuf)], lc.rbuf[lc.rpos:])
	n, err := lc.read(lc.rbuf[kept:cap(lc.rbuf)])
	lc.rbuf, lc.rpos = lc.rbuf[:kept+n], 0
	if n > 0 {
		lc.rerr = err
		return nil
	}
	return err
}

// Write sends go-smtp's replies, noting those the reading side depends on: 354 (the
// message is next) and a second 220 (STARTTLS: ciphertext from now on).
func (lc *limitedConn) Write(b []byte) (int, error) {
	if lc.implicit == nil && !lc.tlsOn.Load() {
		switch {
		case bytes.HasPrefix(b, []byte("354")):
			lc.dataNext.Store(true)
		case !bytes.HasPrefix(b, []byte("220")):
		case lc.greeted.Load():
			lc.tlsOn.Store(true)
		default:
			lc.greeted.Store(true)
		}
	}
	return lc.Conn.Write(b)
}

func (lc *limitedConn) read(b []byte) (int, error) {
	n, err := lc.Conn.Read(b)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			lc.mu.Lock()
			kicked := lc.kicked
			lc.mu.Unlock()
			if kicked {
				lc.refuse(replyShuttingDown)
				return n, net.ErrClosed
			}
		}
	}
	return n, err
}

// Close releases the connection's place in the limits and closes it.
func (lc *limitedConn) Close() error {
	err := net.ErrClosed
	lc.closeOnce.Do(func() {
		lc.s.release(lc)
		err = lc.Conn.Close()
	})
	return err
}

// refuse writes reply and closes the connection. It runs on the goroutine reading the
// connection, when go-smtp is not writing.
func (lc *limitedConn) refuse(reply string) {
	lc.refuseOnce.Do(func() {
		lc.mu.Lock()
		lc.refused = true
		var w net.Conn = lc.Conn
		switch {
		case lc.sc != nil:
			w = lc.sc.Conn() // after STARTTLS, the TLS connection
		case lc.implicit != nil:
			// Before EHLO the TLS handshake may still be running, on this very goroutine
			// (refuse is called from its reads): a write through it would wait for the
			// handshake, for ever. Close without a word.
			w = nil
		}
		lc.mu.Unlock()
		lc.s.countRejection(421)
		if reply == replyTooManyCommands {
			lc.s.log.Info("smtp connection closed: too many commands",
				zap.Uint64("conn", lc.id), zap.String("remote", lc.RemoteAddr().String()))
		}
		if w != nil {
			_ = lc.Conn.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
			_, _ = io.WriteString(w, reply)
		}
		if !lc.s.outOfTime.Load() {
			lingerClose(lc.Conn)
		}
		lc.Close()
	})
}

// lingerTimeout bounds how long a refused client may keep sending before it is cut off.
const lingerTimeout = time.Second

// lingerClose ends the sending side of a TCP connection and reads what the client still
// sends (pipelined commands), briefly, so that closing it does not reset the connection
// and destroy the 421 before the client read it.
func lingerClose(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	if tc.CloseWrite() != nil {
		return
	}
	_ = tc.SetReadDeadline(time.Now().Add(lingerTimeout))
	_, _ = io.Copy(io.Discard, io.LimitReader(tc, 64<<10))
}

// kick interrupts the connection's wait for a command: every connection when all is set
// (a shutdown out of time), else only one outside a transaction.
func (lc *limitedConn) kick(all bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if all || !lc.busy {
		lc.kicked = true
		_ = lc.Conn.SetReadDeadline(time.Now())
	}
}

// setSession records the go-smtp connection once a client said EHLO.
func (lc *limitedConn) setSession(c *smtp.Conn) {
	lc.mu.Lock()
	lc.sc = c
	lc.mu.Unlock()
}

// beginTx marks the start of a transaction (MAIL); false while shutting down.
func (lc *limitedConn) beginTx() bool {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.kicked || lc.s.draining.Load() {
		return false
	}
	lc.busy = true
	return true
}

// endTx marks the end of a transaction (after DATA, RSET, a new EHLO, or logout).
func (lc *limitedConn) endTx() {
	lc.mu.Lock()
	lc.busy = false
	lc.mu.Unlock()
}

// connOf finds the limitedConn under a go-smtp connection, through TLS if need be.
func connOf(c *smtp.Conn) *limitedConn {
	nc := c.Conn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	lc, _ := nc.(*limitedConn)
	return lc
}
