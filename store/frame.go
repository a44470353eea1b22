package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// A frame is one raw message in a spool segment:
//
//	magic "LSF1" | id u64 | meta length u32 | body length u64 | payload crc u32 | header crc u32
//	meta (the Message as JSON, as PutMessage recorded it) | body (the bytes as received)
//
// The payload checksum (CRC-32C of meta and body) is computed by the writer before the
// message reaches the commit loop; the header checksum covers the first 28 bytes, so a
// torn or stale header is told from a real one before its lengths are trusted.
const (
	frameMagic     = "LSF1"
	frameHeaderLen = 32
	// maxFrameMeta bounds the metadata a header may claim: recovery reads it into memory.
	maxFrameMeta = 1 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadFrame means the bytes at an offset are not a whole, intact frame.
var errBadFrame = errors.New("not an intact frame")

// frameHeader is the decoded fixed part of a frame.
type frameHeader struct {
	id      MsgID
	metaLen uint32
	bodyLen uint64
	crc     uint32 // of meta and body
}

// size is the whole frame's length on disk.
func (h frameHeader) size() int64 { return frameHeaderLen + int64(h.metaLen) + int64(h.bodyLen) }

func (h frameHeader) encode() []byte {
	b := make([]byte, frameHeaderLen)
	copy(b, frameMagic)
	binary.BigEndian.PutUint64(b[4:], uint64(h.id))
	binary.BigEndian.PutUint32(b[12:], h.metaLen)
	binary.BigEndian.PutUint64(b[16:], h.bodyLen)
	binary.BigEndian.PutUint32(b[24:], h.crc)
	binary.BigEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	return b
}

func decodeFrameHeader(b []byte) (frameHeader, error) {
	if len(b) < frameHeaderLen || string(b[:4]) != frameMagic {
		return frameHeader{}, fmt.Errorf("%w: no frame magic", errBadFrame)
	}
	if crc32.Checksum(b[:28], castagnoli) != binary.BigEndian.Uint32(b[28:]) {
		return frameHeader{}, fmt.Errorf("%w: header checksum mismatch", errBadFrame)
	}
	h := frameHeader{
		id:      MsgID(binary.BigEndian.Uint64(b[4:])),
		metaLen: binary.BigEndian.Uint32(b[12:]),
		bodyLen: binary.BigEndian.Uint64(b[16:]),
		crc:     binary.BigEndian.Uint32(b[24:]),
	}
	if h.metaLen > maxFrameMeta || h.bodyLen > 1<<40 {
		return frameHeader{}, fmt.Errorf("%w: implausible lengths %d+%d", errBadFrame, h.metaLen, h.bodyLen)
	}
	return h, nil
}

// payloadCRC is the checksum a frame carries for its meta and body.
func payloadCRC(meta, body []byte) uint32 {
	return crc32.Update(crc32.Checksum(meta, castagnoli), castagnoli, body)
}

// rawLoc is where a message's frame is: the value of bucketRawLoc.
type rawLoc struct {
	seg     uint32
	off     int64 // of the frame's header
	metaLen uint32
	bodyLen int64
}

const rawLocLen = 4 + 8 + 4 + 8

// body returns the offset of the message's bytes in its segment.
func (l rawLoc) body() int64 { return l.off + frameHeaderLen + int64(l.metaLen) }

// end returns the offset just past the frame.
func (l rawLoc) end() int64 { return l.body() + l.bodyLen }

func (l rawLoc) encode() []byte {
	b := make([]byte, rawLocLen)
	binary.BigEndian.PutUint32(b, l.seg)
	binary.BigEndian.PutUint64(b[4:], uint64(l.off))
	binary.BigEndian.PutUint32(b[12:], l.metaLen)
	binary.BigEndian.PutUint64(b[16:], uint64(l.bodyLen))
	return b
}

func decodeRawLoc(b []byte) (rawLoc, bool) {
	if len(b) != rawLocLen {
		return rawLoc{}, false
	}
	return rawLoc{
		seg:     binary.BigEndian.Uint32(b),
		off:     int64(binary.BigEndian.Uint64(b[4:])),
		metaLen: binary.BigEndian.Uint32(b[12:]),
		bodyLen: int64(binary.BigEndian.Uint64(b[16:])),
	}, true
}
