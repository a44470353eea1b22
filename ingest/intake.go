package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.uber.org/zap"

	liaisond "github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/ingest/parse"
	"github.com/ietf-tools/liaisond/store"
)

// Notifier composes the mails a message causes; the intake queues them in the same store
// transaction as the change that causes them. notify.Composer, wrapped in cmd, implements it.
type Notifier interface {
	// Recorded returns the mails a new record queues: the confirmation request to the
	// coordinators, and an acknowledgement where policy allows one on receipt.
	Recorded(rec liaisond.Record, res *parse.Result, msg store.Message) ([]store.OutboxEntry, error)
	// Replied carries out a coordinator's reply to a confirmation request inside tx and
	// returns what it did, for the message list.
	Replied(tx *store.Tx, reply *parse.Reply, msg store.Message) (record, outcome string, err error)
}

// Options configure an Intake.
type Options struct {
	// Parse bounds the parser and tells it our own addresses.
	Parse parse.Options
	// Notifier composes mail; nil records without queueing any.
	Notifier Notifier
	// Log receives one line per message processed; nil logs nothing.
	Log *zap.Logger
	// Workers is how many messages are parsed at once (default 2).
	Workers int
	// OnProcessed, if set, is called after each message is processed (for metrics).
	OnProcessed func(store.Message, Outcome)
}

// Outcome is what became of one message.
type Outcome struct {
	Message store.MsgID
	Outcome store.Outcome
	Record  string
	Reason  string
}

// Intake is the path every message takes: Accept commits the raw bytes durably, then the
// message is parsed and recorded, deduplicated, ignored with a reason, or carried out as a
// coordinator's command.
type Intake struct {
	st   *store.Store
	opts Options
	log  *zap.Logger

	parse    func([]byte, parse.Options) (*parse.Result, error) // parse.Parse; tests replace it
	kick     chan struct{}
	mu       sync.Mutex
	todo     []store.MsgID
	inflight map[store.MsgID]bool // being processed: a second Process of the same id waits its turn out
}

// New returns an Intake on st.
func New(st *store.Store, opts Options) *Intake {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	return &Intake{st: st, opts: opts, log: log, parse: parse.Parse, kick: make(chan struct{}, 1),
		inflight: map[store.MsgID]bool{}}
}

// Accept commits raw with its envelope and returns once the bytes are on disk: only then
// may the source acknowledge the message. Processing follows asynchronously under Run.
func (in *Intake) Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	id, err := in.commit(ctx, env, raw)
	if err != nil {
		return 0, err
	}
	in.mu.Lock()
	in.todo = append(in.todo, id)
	in.mu.Unlock()
	select {
	case in.kick <- struct{}{}:
	default:
	}
	return id, nil
}

// Import commits raw and processes it at once, for import: the caller waits for the outcome,
// and Run does not see the message (it would process it a second time).
func (in *Intake) Import(ctx context.Context, env store.Envelope, raw []byte) (Outcome, error) {
	id, err := in.commit(ctx, env, raw)
	if err != nil {
		return Outcome{}, err
	}
	return in.Process(ctx, id)
}

func (in *Intake) commit(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error) {
	if env.MessageID == "" {
		env.MessageID = headerMessageID(raw)
	}
	return in.st.PutMessage(ctx, env, raw)
}

// Run processes accepted messages until ctx ends: first every message left unfinished by an
// earlier run (a crash between commit and processing), then each new one. It returns when
// the messages in flight are done.
func (in *Intake) Run(ctx context.Context) error {
	left, err := in.st.Unfinished()
	if err != nil {
		return fmt.Errorf("intake: listing unfinished messages: %w", err)
	}
	in.mu.Lock()
	for _, m := range left {
		in.todo = append(in.todo, m.ID)
	}
	in.mu.Unlock()
	ids := make(chan store.MsgID)
	var wg sync.WaitGroup
	for i := 0; i < in.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				// A failure is recorded on the message; Run goes on with the next one.
				_, _ = in.Process(context.WithoutCancel(ctx), id)
			}
		}()
	}
	defer func() {
		close(ids)
		wg.Wait()
	}()
	for {
		for _, id := range in.take() {
			select {
			case ids <- id:
			case <-ctx.Done():
				return nil
			}
		}
		select {
		case <-in.kick:
		case <-ctx.Done():
			return nil
		}
	}
}

func (in *Intake) take() []store.MsgID {
	in.mu.Lock()
	defer in.mu.Unlock()
	t := in.todo
	in.todo = nil
	return t
}

// Process reads message id from the store and records what it is. A parser failure is
// recorded on the message (quarantined after the store's MaxAttempts) and returned.
func (in *Intake) Process(ctx context.Context, id store.MsgID) (Outcome, error) {
	in.mu.Lock()
	busy := in.inflight[id]
	in.inflight[id] = true
	in.mu.Unlock()
	if busy { // listed twice (at start, an id both unfinished and just accepted): once is enough
		return Outcome{Message: id, Outcome: store.OutcomePending}, nil
	}
	defer func() {
		in.mu.Lock()
		delete(in.inflight, id)
		in.mu.Unlock()
	}()
	msg, err := in.st.Message(id)
	if err != nil {
		return Outcome{}, fmt.Errorf("intake: message %d: %w", id, err)
	}
	if msg.Outcome != store.OutcomePending && msg.Outcome != store.OutcomeFailed {
		return Outcome{Message: id, Outcome: msg.Outcome, Record: msg.Record, Reason: msg.Reason}, nil
	}
	out, err := in.process(ctx, msg)
	if err != nil {
		state, ferr := in.st.MarkFailed(ctx, id, err)
		if ferr != nil {
			return Outcome{Message: id, Outcome: msg.Outcome}, errors.Join(err, ferr)
		}
		out = Outcome{Message: id, Outcome: state, Reason: err.Error()}
		in.log.Warn("message failed", zap.Uint64("message", uint64(id)), zap.String("source", msg.Source),
			zap.String("outcome", string(state)), zap.Error(err))
	} else {
		in.log.Info("message processed", zap.Uint64("message", uint64(id)), zap.String("source", msg.Source),
			zap.String("message_id", msg.MessageID), zap.String("outcome", string(out.Outcome)),
			zap.String("record", out.Record), zap.String("reason", out.Reason))
	}
	if in.opts.OnProcessed != nil {
		in.opts.OnProcessed(msg, out)
	}
	return out, err
}

func (in *Intake) process(ctx context.Context, msg store.Message) (Outcome, error) {
	raw, err := in.st.Raw(msg.ID)
	if err != nil {
		return Outcome{}, fmt.Errorf("reading raw message: %w", err)
	}
	res, err := in.parse(raw, in.opts.Parse)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Message: msg.ID}
	switch res.Kind {
	case parse.Statement:
		return in.record(ctx, msg, res)
	case parse.Command:
		return in.command(ctx, msg, res)
	default:
		out.Outcome, out.Reason = store.OutcomeIgnore, res.Reason
		return out, in.st.SetOutcome(ctx, msg.ID, store.OutcomeIgnore, "", res.Reason)
	}
}

// record creates the statement's record, or attaches the message to the record it
// duplicates; a new record queues its mails in the same transaction.
func (in *Intake) record(ctx context.Context, msg store.Message, res *parse.Result) (Outcome, error) {
	files := make(map[string][]byte, len(res.Files))
	for _, f := range res.Files {
		files[f.SHA256] = f.Data
	}
	nr := store.NewRecord{
		Statement: res.Statement,
		Files:     files,
		Problems:  res.Problems,
		Ack:       res.Ack,
	}
	if in.opts.Notifier != nil && !msg.Quiet {
		nr.Then = func(tx *store.Tx, m store.Merge, r *liaisond.Record) error {
			if !m.Created {
				return nil
			}
			mails, err := in.opts.Notifier.Recorded(*r, res, msg)
			if err != nil {
				return fmt.Errorf("composing mail for %s: %w", r.ID, err)
			}
			for _, e := range mails {
				if _, err := tx.Enqueue(e); err != nil {
					return err
				}
			}
			return nil
		}
	}
	m, err := in.st.CreateOrMerge(ctx, msg.ID, nr)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Message: msg.ID, Outcome: store.OutcomeRecord, Record: m.Record}
	if !m.Created {
		out.Outcome = store.OutcomeDuplicate
		out.Reason = "duplicate of " + m.Record + " (" + string(m.DuplicateOf) + ")"
	}
	return out, nil
}

// command carries out a coordinator's reply in one transaction with its outcome.
func (in *Intake) command(ctx context.Context, msg store.Message, res *parse.Result) (Outcome, error) {
	out := Outcome{Message: msg.ID, Outcome: store.OutcomeCommand}
	err := in.st.Update(ctx, func(tx *store.Tx) error {
		if m, err := tx.Message(msg.ID); err != nil {
			return err
		} else if m.Outcome != store.OutcomePending && m.Outcome != store.OutcomeFailed {
			out.Outcome, out.Record, out.Reason = m.Outcome, m.Record, m.Reason
			return nil // carried out already
		}
		out.Outcome = store.OutcomeCommand
		record, what := "", "reply command not carried out: no confirmation handling configured"
		if in.opts.Notifier != nil {
			var err error
			record, what, err = in.opts.Notifier.Replied(tx, res.Reply, msg)
			if err != nil {
				return err
			}
		}
		out.Record, out.Reason = record, what
		return tx.SetOutcome(msg.ID, store.OutcomeCommand, record, what)
	})
	if err != nil {
		return Outcome{}, err
	}
	return out, nil
}
