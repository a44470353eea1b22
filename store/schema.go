package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout of the file this code writes. Open migrates older files up to
// it and refuses newer ones.
const SchemaVersion = 3

// Bucket names. Keys are described beside each.
var (
	bucketMeta        = []byte("meta")        // "schema" → u64 version
	bucketMessages    = []byte("messages")    // u64 msg id → Message JSON
	bucketRaw         = []byte("raw")         // u64 msg id → blob (blob.go): raw bytes of messages from before schema 3 and restored backups
	bucketRawLoc      = []byte("rawloc")      // u64 msg id → rawLoc: where the raw bytes are in the spool (spool.go)
	bucketMsgIDs      = []byte("msgids")      // midKey \x00 u64 msg id → nil: every arrival of a Message-ID
	bucketTodo        = []byte("todo")        // u64 msg id → nil: messages pending or failed
	bucketRecords     = []byte("records")     // recordKey → storedRecord JSON
	bucketRecordSeq   = []byte("recordseq")   // "2026" → u64 last number used that year
	bucketDedup       = []byte("dedup")       // dedup key → record id
	bucketRecordMsgs  = []byte("recordmsgs")  // record id \x00 u64 msg id → nil
	bucketAttachments = []byte("attachments") // hex sha256 → blob (blob.go): the bytes
	bucketOutbox      = []byte("outbox")      // u64 entry id → OutboxEntry JSON
	bucketOutboxRaw   = []byte("outboxraw")   // u64 entry id → message bytes to send
	bucketOutboxDue   = []byte("outboxdue")   // u64 unix nanos ‖ u64 entry id → nil, queued entries only
	bucketCheckpoints = []byte("checkpoints") // account \x00 mailbox → Checkpoint JSON
)

var keySchema = []byte("schema")

// migrations[v] moves a file from schema version v to v+1. Version 0 is an empty file.
var migrations = []func(*bolt.Tx) error{
	0: createBucketsV1,
	1: blobsInBuckets,
	2: createRawLoc,
}

// createRawLoc is the migration from schema 2 to 3: new messages go to the spool, found
// through bucketRawLoc; older ones stay where they are.
func createRawLoc(tx *bolt.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bucketRawLoc)
	return err
}

func createBucketsV1(tx *bolt.Tx) error {
	for _, name := range [][]byte{
		bucketMessages, bucketRaw, bucketMsgIDs, bucketTodo, bucketRecords, bucketRecordSeq,
		bucketDedup, bucketRecordMsgs, bucketAttachments, bucketOutbox, bucketOutboxRaw,
		bucketOutboxDue, bucketCheckpoints,
	} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// schemaVersion reads the version recorded in tx; 0 when the file is new.
func schemaVersion(tx *bolt.Tx) uint64 {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// migrate brings the file at path up to SchemaVersion, or checks that a read-only file
// already is there.
func migrate(db *bolt.DB, path string, readOnly bool) error {
	check := func(v uint64) error {
		if v > SchemaVersion {
			return fmt.Errorf("open store %s: schema version %d, this liaisond knows up to %d; run a newer liaisond: %w",
				path, v, SchemaVersion, ErrNewerSchema)
		}
		return nil
	}
	if readOnly {
		return db.View(func(tx *bolt.Tx) error {
			v := schemaVersion(tx)
			if err := check(v); err != nil {
				return err
			}
			if v < SchemaVersion {
				return fmt.Errorf("open store %s read-only: schema version %d needs migrating to %d; open it once read-write (start the daemon): %w",
					path, v, SchemaVersion, ErrReadOnly)
			}
			return nil
		})
	}
	return db.Update(func(tx *bolt.Tx) error {
		v := schemaVersion(tx)
		if err := check(v); err != nil {
			return err
		}
		if v == SchemaVersion {
			return nil
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("migrate store %s: %w", path, err)
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate store %s from schema %d to %d: %w", path, v, v+1, err)
			}
		}
		if err := meta.Put(keySchema, u64(SchemaVersion)); err != nil {
			return fmt.Errorf("migrate store %s: record schema version: %w", path, err)
		}
		return nil
	})
}
