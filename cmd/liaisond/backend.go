package main

import (
	"context"
	"io"

	liaisond "github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest"
	"github.com/ietf-tools/liaisond/notify"
	"github.com/ietf-tools/liaisond/store"
)

// backend is what the CLI's store commands need. The store file itself serves it when no
// daemon runs; the daemon's admin socket serves the same calls while one does, so both
// paths print the same thing.
type backend interface {
	Messages() ([]store.Message, error)
	Records(state liaisond.State) ([]liaisond.Record, error)
	Get(id string) (liaisond.Record, error)
	RecordMessages(id string) ([]store.MsgID, error)
	WriteRaw(id store.MsgID, w io.Writer) (int64, error)
	Outbox() ([]store.OutboxEntry, error)
	Backup(w io.Writer) (int64, error)
	Check() []error
	// Import takes one message in as if it had arrived, and processes it.
	Import(ctx context.Context, env store.Envelope, raw []byte) (ingest.Outcome, error)
	// CanNotify reports whether new records can queue their confirmation requests.
	CanNotify() bool
	// Act changes a record as an operator: confirm, reject, set fields, tag taken.
	Act(ctx context.Context, id string, a recordAction) (string, error)
	// OutboxAct retries or drops an outgoing mail.
	OutboxAct(ctx context.Context, id uint64, verb, actor string) error
	Close() error
}

// direct is the store file opened by the CLI.
type direct struct {
	*store.Store
	in    *ingest.Intake
	hooks *notify.Hooks // nil without a config: nothing that mails can be done
}

func (d direct) Act(ctx context.Context, id string, a recordAction) (string, error) {
	return actOn(ctx, d.Store, d.hooks, id, a)
}

func (d direct) OutboxAct(ctx context.Context, id uint64, verb, actor string) error {
	return outboxAct(ctx, d.Store, id, verb, actor)
}

func (d direct) Import(ctx context.Context, env store.Envelope, raw []byte) (ingest.Outcome, error) {
	return d.in.Import(ctx, env, raw)
}

func (d direct) CanNotify() bool { return d.hooks != nil }
