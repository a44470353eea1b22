package ingest

import (
	"context"

	"github.com/ietf-tools/liaisond/store"
)

// Acceptor commits a received message durably; it returns only once the bytes are on disk.
// Every source (SMTP/LMTP listener, IMAP poller, import) hands its messages to one; the
// Intake is the one the daemon uses. This is the one declaration for all sources.
type Acceptor interface {
	Accept(ctx context.Context, env store.Envelope, raw []byte) (store.MsgID, error)
}

var _ Acceptor = (*Intake)(nil)
