package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// u64 encodes v as an 8-byte big-endian key, so that keys sort numerically.
func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// getJSON decodes the value at key into v; it reports false when the key is absent.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %T at key %q: %w", v, key, err)
	}
	return true, nil
}

// putJSON encodes v and stores it at key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	return b.Put(key, data)
}

// bytesU64 decodes an 8-byte big-endian key.
func bytesU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// present is the value of index entries, whose meaning is in the key. It is not empty
// because bbolt may return nil for an empty value, which reads as absent.
var present = []byte{1}
