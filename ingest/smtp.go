package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"go.uber.org/zap"

	"github.com/ietf-tools/liaisond/config"
)

// SMTPMetrics are the listener's hooks for metrics. Every field is optional; the functions
// are called concurrently from the connections' goroutines. listener is the configured
// listen address.
type SMTPMetrics struct {
	// Connection is called for each connection taken from the socket, admitted or not.
	Connection func(listener string)
	// Rejection is called for each reply that refuses something: 421 (limits, shutdown),
	// 451 (storage failure, aborted transfer), 550 (unknown recipient), 552 (size), 554.
	Rejection func(listener string, code int)
	// Accepted is called for each message committed and answered 250.
	Accepted func(listener string, bytes int)
}

// DefaultSMTPShutdownTimeout bounds the graceful shutdown Serve starts when its context
// ends.
const DefaultSMTPShutdownTimeout = 30 * time.Second

// SMTPServer is one [[smtp]] listener: SMTP (with STARTTLS or implicit TLS) or LMTP on a
// TCP address or a Unix socket. It accepts mail only for its configured recipients and
// answers 250 only once the Acceptor has committed the message.
type SMTPServer struct {
	// ShutdownTimeout bounds the graceful shutdown that Serve starts when its context is
	// done (default DefaultSMTPShutdownTimeout). Shutdown itself takes its own deadline.
	ShutdownTimeout time.Duration
	// Metrics are optional hooks; set them before Serve.
	Metrics SMTPMetrics

	cfg      config.SMTP
	acc      Acceptor
	log      *zap.Logger
	srv      *smtp.Server
	tls      *tls.Config // nil without tls_cert/tls_key
	hostname string
	source   string // store.Envelope.Source

	exact   map[string]bool // configured addresses, lower case
	rcpts   map[string]bool // their local parts, accepted under domains too
	domains map[string]bool // cfg.Domains, lower case

	acceptCtx    context.Context // passed to Accept; cancelled when a shutdown runs out of time
	cancelAccept context.CancelFunc

	connSeq atomic.Uint64

	mu           sync.Mutex
	serving      bool
	conns        map[*limitedConn]struct{}
	perIP        map[string]int
	refusing     int // goroutines writing a 421 to a refused connection
	bgClosed     bool
	ln           net.Listener
	emptyWaiters []chan struct{}
	hardStop     bool
	draining     atomic.Bool
	outOfTime    atomic.Bool // a shutdown ran out of time: no lingering on close
	drainOnce    sync.Once
	shutdown     chan struct{} // closed when Shutdown has finished
	shutErr      error

	inflight sync.WaitGroup // Data calls past the hardStop check
	bg       sync.WaitGroup // goroutines refusing connections
}

// NewSMTPServer builds the listener described by cfg. Zero limits in cfg get the defaults
// of package config (the connection and command limits keep 0 as "unlimited", as in the
// file). The certificate and key, when configured, are loaded now.
func NewSMTPServer(cfg config.SMTP, acc Acceptor, log *zap.Logger) (*SMTPServer, error) {
	if acc == nil {
		return nil, errors.New("smtp listener: no acceptor")
	}
	if log == nil {
		log = zap.NewNop()
	}
	if len(cfg.Recipients) == 0 {
		return nil, fmt.Errorf("smtp listener %s: no recipients configured", cfg.Listen)
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = config.DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = config.DefaultSMTPMaxRecipients
	}
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = config.DefaultSMTPMaxLineLength
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = config.DefaultSMTPReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = config.DefaultSMTPWriteTimeout
	}
	s := &SMTPServer{
		ShutdownTimeout: DefaultSMTPShutdownTimeout,
		cfg:             cfg,
		acc:             acc,
		log:             log.With(zap.String("listener", cfg.Listen), zap.Bool("lmtp", cfg.LMTP)),
		hostname:        cfg.Hostname,
		source:          "smtp:" + cfg.Listen,
		conns:           make(map[*limitedConn]struct{}),
		perIP:           make(map[string]int),
		shutdown:        make(chan struct{}),
	}
	if s.hostname == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		s.hostname = h
	}
	if err := s.setRecipients(cfg.Recipients, cfg.Domains); err != nil {
		return nil, fmt.Errorf("smtp listener %s: %w", cfg.Listen, err)
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("smtp listener %s: load tls_cert %s and tls_key %s: %w", cfg.Listen, cfg.TLSCert, cfg.TLSKey, err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	} else if cfg.ImplicitTLS {
		return nil, fmt.Errorf("smtp listener %s: implicit_tls needs tls_cert and tls_key", cfg.Listen)
	}
	s.acceptCtx, s.cancelAccept = context.WithCancel(context.Background())

	srv := smtp.NewServer(backend{s})
	srv.Domain = s.hostname
	srv.LMTP = cfg.LMTP
	srv.TLSConfig = s.tls
	srv.MaxMessageBytes = int64(cfg.MaxMessageBytes)
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxLineLength = cfg.MaxLineLength
	// ReadTimeout is never 0: go-smtp then calls SetReadDeadline before every command,
	// which is where limitedConn counts commands and closes idle connections at shutdown.
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.EnableSMTPUTF8 = true
	if std, err := zap.NewStdLogAt(s.log.Named("go-smtp"), zap.WarnLevel); err == nil {
		srv.ErrorLog = std
	}
	s.srv = srv
	return s, nil
}

// Listen opens the configured address: host:port, or a Unix socket when it is an absolute
// path (a stale socket file nobody answers on is replaced).
func (s *SMTPServer) Listen() (net.Listener, error) {
	addr := s.cfg.Listen
	if filepath.IsAbs(addr) {
		if fi, err := os.Lstat(addr); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.DialTimeout("unix", addr, time.Second); err == nil {
				c.Close()
				return nil, fmt.Errorf("smtp listener: %s is in use by another process", addr)
			}
			if err := os.Remove(addr); err != nil {
				return nil, fmt.Errorf("smtp listener: remove stale socket: %w", err)
			}
		}
		l, err := net.Listen("unix", addr)
		if err != nil {
			return nil, fmt.Errorf("smtp listener: %w", err)
		}
		return l, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp listener: %w", err)
	}
	return l, nil
}

// ListenAndServe opens the configured address and serves it (see Serve).
func (s *SMTPServer) ListenAndServe(ctx context.Context) error {
	l, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, l)
}

// Serve accepts connections on l until Shutdown is called (it then returns nil once l is
// closed; Shutdown waits for the connections) or ctx is done (it then shuts down
// gracefully within ShutdownTimeout and returns that shutdown's result). l is closed on
// return. Serve may be called once.
func (s *SMTPServer) Serve(ctx context.Context, l net.Listener) error {
	s.mu.Lock()
	if s.serving || s.draining.Load() {
		s.mu.Unlock()
		l.Close()
		return errors.New("smtp listener: Serve called twice or after Shutdown")
	}
	s.serving = true
	s.ln = l
	if strings.HasSuffix(s.cfg.Listen, ":0") {
		s.source = "smtp:" + l.Addr().String() // name the port the system chose, not ":0"
	}
	s.mu.Unlock()

	s.log.Info("smtp listener serving", zap.String("addr", l.Addr().String()),
		zap.Bool("starttls", s.tls != nil && !s.cfg.ImplicitTLS), zap.Bool("implicit_tls", s.cfg.ImplicitTLS))
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(&smtpListener{Listener: l, s: s}) }()
	select {
	case err := <-errc:
		if s.draining.Load() || err == nil {
			return nil
		}
		// The listener failed on its own: stop what is left as if shut down.
		sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout())
		defer cancel()
		_ = s.Shutdown(sctx)
		return fmt.Errorf("smtp listener %s: %w", s.cfg.Listen, err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout())
		defer cancel()
		err := s.Shutdown(sctx)
		<-errc
		return err
	}
}

func (s *SMTPServer) shutdownTimeout() time.Duration {
	if s.ShutdownTimeout > 0 {
		return s.ShutdownTimeout
	}
	return DefaultSMTPShutdownTimeout
}

// Shutdown stops accepting connections and new transactions, lets the transactions in
// flight finish (their messages are committed and answered) and closes idle connections
// with 421. When ctx ends first, the messages still being received or committed are
// answered 451 (their Accept context is cancelled), every connection is closed, and
// Shutdown returns ctx's error once no Accept call is running any more. Calling it again
// waits for the first call's result.
func (s *SMTPServer) Shutdown(ctx context.Context) error {
	first := false
	s.drainOnce.Do(func() { first = true })
	if !first {
		select {
		case <-s.shutdown:
			return s.shutErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	s.draining.Store(true)
	ln := s.ln
	s.mu.Unlock()
	s.log.Info("smtp listener shutting down")
	if ln != nil {
		ln.Close() // also done by srv.Shutdown, unless Serve has not handed it over yet
	}
	s.kick(false)

	err := s.srv.Shutdown(ctx) // closes the listener, waits for every connection
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil // the listener was closed above already
	}
	if ctx.Err() != nil {
		err = ctx.Err()
		s.hardClose()
	}
	s.mu.Lock()
	s.bgClosed = true
	s.mu.Unlock()
	s.bg.Wait()
	s.cancelAccept() // nothing is accepted any more
	s.shutErr = err
	close(s.shutdown)
	if err != nil {
		s.log.Warn("smtp listener shut down before all transactions finished", zap.Error(err))
	} else {
		s.log.Info("smtp listener shut down")
	}
	return err
}

// hardClose ends every connection after a shutdown ran out of time: Accept calls see a
// cancelled context, reads fail (answered with 421), and whatever has not closed within a
// second is closed outright. It returns once no Accept call is running.
func (s *SMTPServer) hardClose() {
	s.mu.Lock()
	s.hardStop = true
	s.mu.Unlock()
	s.outOfTime.Store(true)
	s.cancelAccept()
	s.kick(true)
	t := time.NewTimer(time.Second)
	select {
	case <-s.connsEmpty():
	case <-t.C:
		for _, lc := range s.snapshot() {
			lc.Close()
		}
	}
	t.Stop()
	s.inflight.Wait()
}

// connsEmpty returns a channel closed once no connection is open.
func (s *SMTPServer) connsEmpty() <-chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) == 0 {
		close(ch)
	} else {
		s.emptyWaiters = append(s.emptyWaiters, ch)
	}
	return ch
}

func (s *SMTPServer) snapshot() []*limitedConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*limitedConn, 0, len(s.conns))
	for lc := range s.conns {
		conns = append(conns, lc)
	}
	return conns
}

// kick interrupts the connection reads that wait for a command (all of them when all is
// set, else those outside a transaction): they end with 421 4.3.2.
func (s *SMTPServer) kick(all bool) {
	for _, lc := range s.snapshot() {
		lc.kick(all)
	}
}

// beginData registers a DATA transfer with the shutdown; false means the server is past
// its shutdown deadline and the message must be refused.
func (s *SMTPServer) beginData() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hardStop {
		return false
	}
	s.inflight.Add(1)
	return true
}

// Errors answered to clients. They are *smtp.SMTPError so that go-smtp sends their codes;
// a plain error from Data would become a permanent 554.
var (
	errTempFailure = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary failure storing the message, try again later"}
	errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Service shutting down, try again later"}
	errTransferFailed = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Message transfer failed, nothing was stored; try again later"}
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such recipient here"}
	errLoop = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 4, 6},
		Message: "Too many Received header fields, possible mail loop"}
)

func (s *SMTPServer) countConnection() {
	if f := s.Metrics.Connection; f != nil {
		f(s.cfg.Listen)
	}
}

func (s *SMTPServer) countRejection(code int) {
	if f := s.Metrics.Rejection; f != nil {
		f(s.cfg.Listen, code)
	}
}

func (s *SMTPServer) countAccepted(n int) {
	if f := s.Metrics.Accepted; f != nil {
		f(s.cfg.Listen, n)
	}
}

func errLineTooLong(n int) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: fmt.Sprintf("Message has a line longer than %d bytes", n)}
}
