package cos

import "github.com/jetcp/jetcp/internal/bufpool"

// smallBuf is the buffer a file's bytes start in: most files a migration
// meets are smaller, and a part-size buffer for each would hold 8 MiB per
// file in flight.
const smallBuf = 1 << 20

// buffers hands out upload buffers (empty, with room for smallBuf or a
// part) and takes them back. A new buffer for every file is paid for in
// page faults on each of its bytes: at -m 16, copying 1 MiB files to COS
// spent more CPU filling fresh buffers than on the CRC64. A buffer goes
// back only once a request that used it came back from its first try:
// then COS's answer proves the HTTP transport read the whole body, where
// a failed try's body may still be read afterwards.
type buffers struct {
	pool     bufpool.Pool
	partSize int
}

func newBuffers(partSize int64) *buffers {
	return &buffers{partSize: int(partSize)}
}

// first is a file's first buffer: room for smallBuf or the part size, if
// smaller.
func (b *buffers) first() []byte {
	return (*b.pool.Get(min(b.partSize, smallBuf)))[:0]
}

// grow moves buf's bytes into a part-size buffer and takes buf back.
func (b *buffers) grow(buf []byte) []byte {
	p := append((*b.pool.Get(b.partSize))[:0], buf...)
	b.put(buf)
	return p
}

// put takes back a buffer no request reads any more.
func (b *buffers) put(buf []byte) {
	full := buf[:cap(buf)]
	b.pool.Put(&full)
}
