// Package bufpool recycles byte buffers by size: allocating (and clearing)
// a megabyte per file costs more than copying a small file, and a fresh
// buffer is paid for again in page faults on each of its bytes.
package bufpool

import "sync"

// Pool hands out buffers of a requested length, one sync.Pool per length.
// The zero value is ready to use.
type Pool struct {
	mu    sync.Mutex
	pools map[int]*sync.Pool
}

// Get returns a buffer of exactly n bytes.
func (b *Pool) Get(n int) *[]byte {
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

// Put takes back a buffer Get gave, which nothing reads any more.
func (b *Pool) Put(s *[]byte) {
	b.mu.Lock()
	p := b.pools[len(*s)]
	b.mu.Unlock()
	if p != nil {
		p.Put(s)
	}
}
