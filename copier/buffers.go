package copier

import (
	"sync"

	"github.com/jetcp/jetcp/messages"
)

// buffers recycles copy buffers of one size: allocating (and clearing) a
// megabyte per file would cost more than copying a small file.
type buffers struct {
	mu    sync.Mutex
	pools map[int]*sync.Pool
}

// get returns a buffer of exactly n bytes.
func (b *buffers) get(n int) *[]byte {
	b.mu.Lock()
	if b.pools == nil {
		b.pools = map[int]*sync.Pool{}
	}
	p, ok := b.pools[n]
	if !ok {
		p = &sync.Pool{New: func() any { s := make([]byte, n); return &s }}
		b.pools[n] = p
	}
	b.mu.Unlock()
	return p.Get().(*[]byte)
}

func (b *buffers) put(s *[]byte) {
	b.mu.Lock()
	p := b.pools[len(*s)]
	b.mu.Unlock()
	if p != nil {
		p.Put(s)
	}
}

// bufferSize is the buffer for a file of size bytes: the job's buffer, or
// less for a smaller file (one byte over, to see EOF or growth in one read).
func bufferSize(jobSize int, size int64) int {
	if jobSize <= 0 {
		jobSize = messages.DefaultCopyBufferSize
	}
	if size+1 < int64(jobSize) {
		// Round up so files of similar sizes share a pool.
		n := 4096
		for int64(n) < size+1 {
			n *= 2
		}
		return min(n, jobSize)
	}
	return jobSize
}
