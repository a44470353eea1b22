package store

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// FormatRecordID returns the human id of record n of year: LS-2026-0042.
func FormatRecordID(year int, n uint64) string {
	return fmt.Sprintf("LS-%04d-%04d", year, n)
}

// ParseRecordID splits LS-2026-0042 into its year and number.
func ParseRecordID(id string) (year int, n uint64, ok bool) {
	rest, found := strings.CutPrefix(id, "LS-")
	if !found {
		return 0, 0, false
	}
	y, num, found := strings.Cut(rest, "-")
	if !found || len(y) != 4 || len(num) < 4 {
		return 0, 0, false
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 0 {
		return 0, 0, false
	}
	n, err = strconv.ParseUint(num, 10, 64)
	if err != nil || n == 0 {
		return 0, 0, false
	}
	return year, n, FormatRecordID(year, n) == id
}

// recordKey is the key of a record: year and number big-endian, so that keys sort as ids.
func recordKey(id string) ([]byte, bool) {
	year, n, ok := ParseRecordID(id)
	if !ok {
		return nil, false
	}
	k := make([]byte, 12)
	binary.BigEndian.PutUint32(k, uint32(year))
	binary.BigEndian.PutUint64(k[4:], n)
	return k, true
}

// nextRecordID takes the next number of year.
func (tx *Tx) nextRecordID(year int) (string, error) {
	b := tx.bucket(bucketRecordSeq)
	key := []byte(strconv.Itoa(year))
	var n uint64
	if v := b.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := b.Put(key, u64(n)); err != nil {
		return "", fmt.Errorf("record sequence %d: %w", year, err)
	}
	return FormatRecordID(year, n), nil
}
