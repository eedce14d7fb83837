// Package bitset records which of a job's dense item indexes were seen:
// 100M items cost 12.5 MB.
package bitset

// Set is a growable set of non-negative integers.
type Set []uint64

// TestAndSet adds i and reports whether it was already there.
func (b *Set) TestAndSet(i int64) bool {
	w := int(i / 64)
	for w >= len(*b) {
		*b = append(*b, make([]uint64, len(*b)+1)...)
	}
	m := uint64(1) << (i % 64)
	old := (*b)[w]&m != 0
	(*b)[w] |= m
	return old
}

// CountFrom counts members at n and above.
func (b Set) CountFrom(n int64) int64 {
	var c int64
	for i := n; i < int64(len(b))*64; i++ {
		if b.Test(i) {
			c++
		}
	}
	return c
}

// Test reports whether i is a member.
func (b Set) Test(i int64) bool {
	w := int(i / 64)
	return w < len(b) && b[w]&(1<<(i%64)) != 0
}
