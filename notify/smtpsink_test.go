package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// captured is one message the sink accepted.
type captured struct {
	From string
	To   []string
	Data []byte
}

// sink is an in-process SMTP server that captures what it is sent. Its hooks decide the
// answers; they run on the server's goroutines.
type sink struct {
	addr      string
	srv       *smtp.Server
	loginOnly bool

	mu       sync.Mutex
	msgs     []captured
	rcptErr  func(to string) error
	dataErr  func(n int) error // n: 1 for the first DATA, 2 for the next...
	onData   func()
	datas    int
	user     string // when set, AUTH PLAIN with user/pass is offered and required
	pass     string
	received chan captured
}

type sinkOptions struct {
	tls       string // "", "starttls", "implicit"
	user      string
	pass      string
	loginOnly bool // offer AUTH LOGIN only
	listener  net.Listener
}

func newSink(t *testing.T, o sinkOptions) *sink {
	t.Helper()
	s := &sink{user: o.user, pass: o.pass, loginOnly: o.loginOnly, received: make(chan captured, 100)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		sess := &sinkSession{s: s}
		if s.user != "" {
			return &sinkAuthSession{sess}, nil
		}
		return sess, nil
	}))
	s.srv.Domain = "sink.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	l := o.listener
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	switch o.tls {
	case "starttls":
		s.srv.TLSConfig = serverTLS(t)
	case "implicit":
		l = tls.NewListener(l, serverTLS(t))
	}
	s.addr = l.Addr().String()
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

func (s *sink) messages() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.msgs...)
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
	auth bool
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.auth {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	hook := ss.s.rcptErr
	ss.s.mu.Unlock()
	if hook != nil {
		if err := hook(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.datas++
	n, hook, onData := ss.s.datas, ss.s.dataErr, ss.s.onData
	ss.s.mu.Unlock()
	if onData != nil {
		onData()
	}
	if hook != nil {
		if err := hook(n); err != nil {
			return err
		}
	}
	c := captured{From: ss.from, To: ss.to, Data: data}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, c)
	ss.s.mu.Unlock()
	ss.s.received <- c
	return nil
}

type sinkAuthSession struct{ *sinkSession }

func (as *sinkAuthSession) AuthMechanisms() []string {
	if as.s.loginOnly {
		return []string{sasl.Login}
	}
	return []string{sasl.Plain}
}

func (as *sinkAuthSession) Auth(mech string) (sasl.Server, error) {
	if mech == sasl.Login {
		return &loginServer{check: func(user, pass string) error {
			if user != as.s.user || pass != as.s.pass {
				return errors.New("bad credentials")
			}
			as.auth = true
			return nil
		}}, nil
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != as.s.user || pass != as.s.pass {
			return errors.New("bad credentials")
		}
		as.auth = true
		return nil
	}), nil
}

var (
	tlsOnce sync.Once
	tlsCert tls.Certificate
	tlsPool *x509.CertPool
)

// serverTLS is a self-signed certificate for 127.0.0.1.
func serverTLS(t *testing.T) *tls.Config {
	tlsOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink.test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		tlsPool = x509.NewCertPool()
		tlsPool.AddCert(cert)
		tlsCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return &tls.Config{Certificates: []tls.Certificate{tlsCert}}
}

// clientTLS trusts the sink's certificate.
func clientTLS() *tls.Config { return &tls.Config{RootCAs: tlsPool} }

// smtpErr is an SMTP answer with code.
func smtpErr(code int) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "test says no"}
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func netListenOn(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the client): it asks for
// the user name, then the password.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(response) > 0 { // an initial response carries the user name
			l.user = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(response)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}
