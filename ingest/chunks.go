package ingest

import "sync"

// chunkSize is the unit a message is received in; chunks are pooled so that a message
// costs one allocation of its exact size, whatever its size.
const chunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// chunks collects a message of unknown length in pooled chunks.
type chunks struct {
	list []*[]byte
	last int // bytes used in the last chunk
}

// space returns the free part of the last chunk, adding a chunk when it is full.
func (c *chunks) space() []byte {
	if len(c.list) == 0 || c.last == chunkSize {
		c.list = append(c.list, chunkPool.Get().(*[]byte))
		c.last = 0
	}
	return (*c.list[len(c.list)-1])[c.last:]
}

// wrote records that n bytes of the last space were filled.
func (c *chunks) wrote(n int) { c.last += n }

// write appends p.
func (c *chunks) write(p []byte) {
	for len(p) > 0 {
		n := copy(c.space(), p)
		c.wrote(n)
		p = p[n:]
	}
}

// len returns the bytes collected.
func (c *chunks) len() int {
	if len(c.list) == 0 {
		return 0
	}
	return (len(c.list)-1)*chunkSize + c.last
}

// bytes returns reserve free bytes followed by the bytes collected, in one new buffer.
func (c *chunks) bytes(reserve int) []byte {
	buf := make([]byte, reserve+c.len())
	off := reserve
	for i, ch := range c.list {
		n := chunkSize
		if i == len(c.list)-1 {
			n = c.last
		}
		off += copy(buf[off:], (*ch)[:n])
	}
	return buf
}

// free returns the chunks to the pool.
func (c *chunks) free() {
	for _, ch := range c.list {
		chunkPool.Put(ch)
	}
	c.list, c.last = nil, 0
}
