package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	liaisond "github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/notify"
	"github.com/ietf-tools/liaisond/store"
)

// The admin API: HTTP over the [admin] Unix socket (mode 0600, so only the daemon's user and
// root get in). It serves the CLI's store commands while the daemon holds the store.

// adminHandler serves the admin API from the daemon's store and intake.
// kick wakes the outbox sender after an action that may have queued mail.
func adminHandler(st *store.Store, in *ingest.Intake, hooks *notify.Hooks, kick func()) http.Handler {
	mux := http.NewServeMux()
	b := direct{Store: st, in: in, hooks: hooks}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
	}
	fail := func(w http.ResponseWriter, err error) {
		code := http.StatusInternalServerError
		if errors.Is(err, store.ErrNotFound) {
			code = http.StatusNotFound
		} else if errors.Is(err, store.ErrInvalid) {
			code = http.StatusBadRequest
		}
		http.Error(w, err.Error(), code)
	}
	mux.HandleFunc("GET /v1/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, adminInfo{Store: st.Path()})
	})
	mux.HandleFunc("GET /v1/messages", func(w http.ResponseWriter, r *http.Request) {
		l, err := b.Messages()
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, l)
	})
	mux.HandleFunc("GET /v1/messages/{id}/raw", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "message id is a number", http.StatusBadRequest)
			return
		}
		if n, err := b.WriteRaw(store.MsgID(id), w); err != nil {
			if n > 0 {
				panic(http.ErrAbortHandler) // the client must see a broken stream, not a short one
			}
			fail(w, err)
		}
	})
	mux.HandleFunc("GET /v1/records", func(w http.ResponseWriter, r *http.Request) {
		l, err := b.Records(liaisond.State(r.URL.Query().Get("state")))
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, l)
	})
	mux.HandleFunc("GET /v1/records/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec, err := b.Get(r.PathValue("id"))
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, rec)
	})
	mux.HandleFunc("GET /v1/records/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		l, err := b.RecordMessages(r.PathValue("id"))
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, l)
	})
	mux.HandleFunc("GET /v1/outbox", func(w http.ResponseWriter, r *http.Request) {
		l, err := b.Outbox()
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, l)
	})
	mux.HandleFunc("GET /v1/backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := b.Backup(w); err != nil {
			panic(http.ErrAbortHandler) // the client must see a broken stream, not a short one
		}
	})
	mux.HandleFunc("GET /v1/check", func(w http.ResponseWriter, r *http.Request) {
		var l []string
		for _, e := range b.Check() {
			l = append(l, e.Error())
		}
		writeJSON(w, l)
	})
	mux.HandleFunc("POST /v1/records/{id}/act", func(w http.ResponseWriter, r *http.Request) {
		var a recordAction
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&a); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		what, err := b.Act(r.Context(), r.PathValue("id"), a)
		if err != nil {
			fail(w, err)
			return
		}
		kick()
		writeJSON(w, what)
	})
	mux.HandleFunc("POST /v1/outbox/{id}/{verb}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "outbox id is a number", http.StatusBadRequest)
			return
		}
		if err := b.OutboxAct(r.Context(), id, r.PathValue("verb"), r.URL.Query().Get("actor")); err != nil {
			fail(w, err)
			return
		}
		kick()
		writeJSON(w, "ok")
	})
	mux.HandleFunc("POST /v1/import", func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBytes))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, fmt.Sprintf("message larger than %d bytes: not imported", maxImportBytes), http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		q := r.URL.Query()
		env := store.Envelope{Source: q.Get("source"), From: q.Get("from"), Quiet: q.Get("quiet") == "1"}
		out, err := b.Import(r.Context(), env, raw)
		if err != nil && out.Message == 0 {
			fail(w, err)
			return
		}
		kick()
		writeJSON(w, adminOutcome{Outcome: out, Error: errString(err)})
	})
	return mux
}

// maxImportBytes bounds one message imported over the admin socket, as the import
// reader bounds it for files.
const maxImportBytes = 1 << 30

// adminInfo says which store a daemon serves, so that the CLI can check it talks to the
// right one.
type adminInfo struct {
	Store string `json:"store"`
}

type adminOutcome struct {
	Outcome ingest.Outcome `json:"outcome"`
	Error   string         `json:"error"`
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// serveAdmin listens on the socket (mode 0600) and serves the admin API until ctx ends; it
// removes the socket on the way out.
func serveAdmin(ctx context.Context, path string, h http.Handler) (func(context.Context) error, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	old := umask(0o177)
	l, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, fmt.Errorf("[admin] socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("[admin] socket %s: %w", path, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		os.Remove(path)
		return err
	}, nil
}

// removeStaleSocket removes a socket left by a daemon that died, and refuses to start when
// another daemon still answers on it.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("[admin] socket %s: a file that is not a socket is in the way", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("[admin] socket %s: another liaisond is running on it", path)
	}
	return os.Remove(path)
}

// adminClient talks to a running daemon over its socket.
type adminClient struct {
	socket string
	hc     *http.Client
}

func dialAdmin(socket string) (*adminClient, bool) {
	c, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return nil, false
	}
	c.Close()
	return &adminClient{socket: socket, hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
	}}}, true
}

func (a *adminClient) do(method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(method, "http://liaisond"+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", a.socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		err := fmt.Errorf("daemon: %s", strings.TrimSpace(string(msg)))
		if resp.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("%w: %s", store.ErrNotFound, strings.TrimSpace(string(msg)))
		}
		return nil, err
	}
	return resp, nil
}

func (a *adminClient) getJSON(path string, v any) error {
	resp, err := a.do("GET", path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func (a *adminClient) stream(path string, w io.Writer) (int64, error) {
	resp, err := a.do("GET", path, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}

func (a *adminClient) Messages() (l []store.Message, err error) {
	return l, a.getJSON("/v1/messages", &l)
}

func (a *adminClient) Records(state liaisond.State) (l []liaisond.Record, err error) {
	return l, a.getJSON("/v1/records?state="+url.QueryEscape(string(state)), &l)
}

func (a *adminClient) Get(id string) (r liaisond.Record, err error) {
	return r, a.getJSON("/v1/records/"+url.PathEscape(id), &r)
}

func (a *adminClient) RecordMessages(id string) (l []store.MsgID, err error) {
	return l, a.getJSON("/v1/records/"+url.PathEscape(id)+"/messages", &l)
}

func (a *adminClient) WriteRaw(id store.MsgID, w io.Writer) (int64, error) {
	return a.stream("/v1/messages/"+id.String()+"/raw", w)
}

func (a *adminClient) Outbox() (l []store.OutboxEntry, err error) {
	return l, a.getJSON("/v1/outbox", &l)
}

func (a *adminClient) Backup(w io.Writer) (int64, error) { return a.stream("/v1/backup", w) }

func (a *adminClient) Check() []error {
	var l []string
	if err := a.getJSON("/v1/check", &l); err != nil {
		return []error{err}
	}
	var errs []error
	for _, s := range l {
		errs = append(errs, errors.New(s))
	}
	return errs
}

func (a *adminClient) Import(ctx context.Context, env store.Envelope, raw []byte) (ingest.Outcome, error) {
	q := url.Values{"source": {env.Source}, "from": {env.From}}
	if env.Quiet {
		q.Set("quiet", "1")
	}
	resp, err := a.do("POST", "/v1/import?"+q.Encode(), bytes.NewReader(raw))
	if err != nil {
		return ingest.Outcome{}, err
	}
	defer resp.Body.Close()
	var out adminOutcome
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return ingest.Outcome{}, fmt.Errorf("admin socket: reading the answer: %w", err)
	}
	if out.Error != "" {
		return out.Outcome, errors.New(out.Error)
	}
	return out.Outcome, nil
}

func (a *adminClient) Act(ctx context.Context, id string, act recordAction) (string, error) {
	body, _ := json.Marshal(act)
	resp, err := a.do("POST", "/v1/records/"+url.PathEscape(id)+"/act", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var what string
	return what, json.NewDecoder(resp.Body).Decode(&what)
}

func (a *adminClient) OutboxAct(ctx context.Context, id uint64, verb, actor string) error {
	resp, err := a.do("POST", fmt.Sprintf("/v1/outbox/%d/%s?actor=%s", id, url.PathEscape(verb), url.QueryEscape(actor)), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (a *adminClient) CanNotify() bool { return true }

// serves reports whether the daemon behind the socket holds the store file path.
func (a *adminClient) serves(path string) (bool, error) {
	var info adminInfo
	if err := a.getJSON("/v1/info", &info); err != nil {
		return false, err
	}
	want, _ := filepath.Abs(path)
	got, _ := filepath.Abs(info.Store)
	return want == got, nil
}

func (a *adminClient) Close() error { return nil }
