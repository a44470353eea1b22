package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/ietf-tools/liaisond/config"
)

// demoMail are the sample statements the demo carries inside the binary: the ones named
// smtp-* arrive over SMTP (a chair forwarding a stray), the others sit in a chair's IMAP
// mailbox.
//
//go:embed demo/*.eml
var demoMail embed.FS

const (
	demoIMAPUser     = "ccamp-chairs"
	demoIMAPPassword = "demo-password"
	demoCoordinator  = "coordinator@example.org"
)

// runDemo runs the whole loop on embedded defaults with no config and no network: a
// temporary store, a chair's mailbox on an in-process IMAP server polled by the real
// poller, the real SMTP listener, and an in-process relay that prints what liaisond sends.
// It shows statements recorded, confirmation requests going out, a coordinator's confirm
// coming back and the acknowledgement leaving; then it keeps running until Ctrl-C
// (--once: it stops there).
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("demo", flag.ContinueOnError)
	fl.SetOutput(stderr)
	once := fl.Bool("once", false, "stop once the acknowledgement has left")
	dir := fl.String("dir", "", "keep the demo's store and files here (default: a temporary folder, removed at the end)")
	pos, err := parseFlags(fl, args)
	if err != nil || len(pos) != 0 {
		return errUsage
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "liaisond-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	env, err := newDemoEnv(*dir)
	if err != nil {
		return err
	}
	defer env.close()
	log, _, err := newLogger(config.Log{Level: "info", Format: "console"})
	if err != nil {
		return err
	}
	polled := make(chan struct{}, 1)
	d, err := startDaemon(env.cfg, log, daemonOptions{OnPolled: func(string, string) {
		select {
		case polled <- struct{}{}:
		default:
		}
	}})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = d.run(runCtx) })
	defer wg.Wait()
	defer stop()

	smtpAddr := d.smtpL[0].Addr().String()
	p := demoPrinter{w: stdout}
	p.banner(env, smtpAddr, *dir)
	select {
	case <-polled: // the poller has looked at the mailbox: what arrives now is new mail
	case <-ctx.Done():
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("demo: the IMAP poller did not reach the in-process server")
	}
	if err := env.deliver(); err != nil {
		return err
	}
	if err := env.sendStrays(smtpAddr); err != nil {
		return err
	}
	deadline := time.After(2 * time.Minute)
	confirmed, acked := false, false
	for {
		select {
		case <-ctx.Done():
			stop()
			wg.Wait()
			return runErr
		case <-deadline:
			if *once && !acked {
				return errors.New("demo: no acknowledgement within two minutes")
			}
			deadline = nil
		case m := <-env.relay.mail:
			kind := p.mail(m)
			if kind == "confirm" && !confirmed {
				confirmed = true
				reply, err := coordinatorReply(m.Raw, "confirm\n\nLooks right; thanks.")
				if err != nil {
					return err
				}
				p.step("The coordinator answers the first confirmation request with \"confirm\".")
				if err := sendPlain(smtpAddr, demoCoordinator, replyRecipients(m.Raw), reply); err != nil {
					return fmt.Errorf("demo: sending the coordinator's reply: %w", err)
				}
			}
			if kind == "ack" && !acked {
				acked = true
				p.step("The acknowledgement has left: the whole loop ran.")
				if *once {
					stop()
					wg.Wait()
					return runErr
				}
				p.swaks(smtpAddr)
			}
		}
	}
}

// demoEnv is what the demo runs against: its config, the relay and the chair's mailbox.
type demoEnv struct {
	cfg   *config.Config
	relay *captureRelay
	imap  *memIMAP
}

func newDemoEnv(dir string) (*demoEnv, error) {
	cfg, err := config.Default(dir)
	if err != nil {
		return nil, err
	}
	relay, err := newCaptureRelay()
	if err != nil {
		return nil, err
	}
	env := &demoEnv{cfg: cfg, relay: relay}
	env.imap, err = newMemIMAP(demoIMAPUser, demoIMAPPassword)
	if err != nil {
		env.close()
		return nil, err
	}
	pass := filepath.Join(dir, "imap.pass")
	if err := os.WriteFile(pass, []byte(demoIMAPPassword+"\n"), 0o600); err != nil {
		env.close()
		return nil, err
	}
	cfg.Outgoing.Address = relay.addr
	cfg.IMAP = []config.IMAP{{
		Name: demoIMAPUser, Address: env.imap.addr, TLS: "none", Username: demoIMAPUser, Auth: config.DefaultIMAPAuth,
		PasswordFile: pass, Mailboxes: []string{"INBOX"}, After: "none",
		PollInterval: 5 * time.Second, CommandTimeout: config.DefaultIMAPCommandTimeout, MaxMessageBytes: 50 << 20,
	}}
	if err := cfg.Validate(); err != nil {
		env.close()
		return nil, fmt.Errorf("demo config: %w", err)
	}
	return env, nil
}

// deliver puts the samples into the chair's mailbox, as their mail server would.
func (e *demoEnv) deliver() error {
	entries, err := demoMail.ReadDir("demo")
	if err != nil {
		return err
	}
	for _, f := range entries {
		if strings.HasPrefix(f.Name(), "smtp-") {
			continue
		}
		raw, _ := demoMail.ReadFile("demo/" + f.Name())
		if err := e.imap.add("INBOX", raw); err != nil {
			return err
		}
	}
	return nil
}

// sendStrays sends the smtp-* samples to the listener, as a chair forwarding a stray would.
func (e *demoEnv) sendStrays(addr string) error {
	entries, _ := demoMail.ReadDir("demo")
	for _, f := range entries {
		if !strings.HasPrefix(f.Name(), "smtp-") {
			continue
		}
		raw, _ := demoMail.ReadFile("demo/" + f.Name())
		if err := sendPlain(addr, "chair@example.org", e.cfg.SMTP[0].Recipients, raw); err != nil {
			return fmt.Errorf("demo: sending %s: %w", f.Name(), err)
		}
	}
	return nil
}

func (e *demoEnv) close() {
	if e.imap != nil {
		e.imap.Close()
	}
	if e.relay != nil {
		e.relay.Close()
	}
}

// coordinatorReply writes a coordinator's answer to a confirmation request: text on top,
// the request quoted below, threaded to it, sent to its Reply-To.
func coordinatorReply(request []byte, text string) ([]byte, error) {
	r, err := mail.CreateReader(bytes.NewReader(request))
	if err != nil {
		return nil, fmt.Errorf("reading the confirmation request: %w", err)
	}
	subject, _ := r.Header.Subject()
	id, _ := r.Header.MessageID()
	var body bytes.Buffer
	if p, err := r.NextPart(); err == nil {
		_, _ = body.ReadFrom(p.Body)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Liaison Coordinator <%s>\r\nTo: %s\r\nSubject: Re: %s\r\n", demoCoordinator, r.Header.Get("Reply-To"), subject)
	fmt.Fprintf(&b, "Message-ID: <reply-%d@example.org>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\n", time.Now().UnixNano(), id, id)
	fmt.Fprintf(&b, "Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\nOn %s, IETF Liaison Intake wrote:\r\n",
		time.Now().Format(time.RFC1123Z), strings.ReplaceAll(text, "\n", "\r\n"), time.Now().Format("2 Jan 2006"))
	for _, l := range strings.Split(body.String(), "\n") {
		b.WriteString("> " + strings.TrimRight(l, "\r") + "\r\n")
	}
	return b.Bytes(), nil
}

// replyRecipients is where a reply to the request goes: its Reply-To.
func replyRecipients(request []byte) []string {
	r, err := mail.CreateReader(bytes.NewReader(request))
	if err != nil {
		return nil
	}
	list, _ := r.Header.AddressList("Reply-To")
	var to []string
	for _, a := range list {
		to = append(to, a.Address)
	}
	return to
}

// demoPrinter shows the demo's progress and each mail liaisond sends.
type demoPrinter struct{ w io.Writer }

func (p demoPrinter) step(s string) { fmt.Fprintf(p.w, "\n>>> %s\n", s) }

func (p demoPrinter) banner(env *demoEnv, smtpAddr, dir string) {
	fmt.Fprintf(p.w, `
liaisond demo: the whole loop on embedded defaults, nothing leaves this machine.
  store:          %s
  SMTP intake:    %s (recipient %s)
  chair's IMAP:   %s (account %s, watched by the real poller with IDLE)
  outgoing relay: %s (in-process; every mail liaisond sends is printed below)
  coordinator:    %s
`, env.cfg.Store.Path, smtpAddr, env.cfg.SMTP[0].Recipients[0], env.imap.addr, demoIMAPUser, env.relay.addr, demoCoordinator)
	p.step("Statements arrive in the chair's mailbox; a chair forwards one more stray to the intake over SMTP.")
}

// mail prints one sent mail and returns its kind (the X-Liaisond header).
func (p demoPrinter) mail(m captured) string {
	r, err := mail.CreateReader(bytes.NewReader(m.Raw))
	if err != nil {
		fmt.Fprintf(p.w, "\n--- mail (unreadable: %v)\n", err)
		return ""
	}
	kind := r.Header.Get("X-Liaisond")
	subject, _ := r.Header.Subject()
	fmt.Fprintf(p.w, "\n----- liaisond sent a %s mail (envelope from <%s> to %s)\n", kind, m.From, strings.Join(m.To, ", "))
	for _, k := range []string{"From", "To", "Cc", "Reply-To", "In-Reply-To", "Auto-Submitted"} {
		if v := r.Header.Get(k); v != "" {
			fmt.Fprintf(p.w, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(p.w, "Subject: %s\n\n", subject)
	if part, err := r.NextPart(); err == nil {
		body, _ := io.ReadAll(io.LimitReader(part.Body, 4000))
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if len(lines) > 24 {
			lines = append(lines[:24], "[...]")
		}
		for _, l := range lines {
			fmt.Fprintf(p.w, "  %s\n", strings.TrimRight(l, "\r"))
		}
	}
	fmt.Fprintln(p.w, "-----")
	return kind
}

func (p demoPrinter) swaks(addr string) {
	host, port, _ := strings.Cut(addr, ":")
	fmt.Fprintf(p.w, `
liaisond keeps running. Send it one more statement, e.g.:
  swaks --server %s --port %s --to ls-intake@example.org --from someone@etsi.org \
    --header 'Subject: LS on something' --body $'Title: LS on something\nFrom: ETSI TC CYBER\nTo: IETF SAAG\nPurpose: For information\n'
Ctrl-C stops it.
`, host, port)
}

// sendPlain delivers one message to a loopback SMTP listener, without TLS.
func sendPlain(addr, from string, to []string, raw []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}
