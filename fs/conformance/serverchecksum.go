package conformance

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// testServerChecksummer checks fs.ServerChecksummer: a plain file written
// through the backend gets a CRC32C from its servers, that of its bytes
// as they are now (also after a same-size rewrite: never one that
// outlived a change), none for a file that is not as fi describes it
// (another length), and the CRC32C of no bytes for an empty file.
func (s *suite) testServerChecksummer(t *testing.T) {
	_, ok := s.fsys.(fs.ServerChecksummer)
	implements(t, ok, "fs.ServerChecksummer")
	ctx := t.Context()
	dir := s.dir(t)
	check := func(p, what string, data []byte) {
		t.Helper()
		sum, ok, err := fs.ServerChecksum(ctx, s.fsys, s.stat(t, p))
		switch {
		case err != nil || !ok:
			t.Errorf("ServerChecksum(%s) %s: ok %v, %v; want the CRC32C of its %d bytes", p, what, ok, err, len(data))
		case sum.String() != crc32c(data).String():
			t.Errorf("ServerChecksum(%s) %s: %s, want %s", p, what, sum, crc32c(data))
		}
	}
	for _, n := range []int{0, 100, 3000} {
		p := join(dir, fmt.Sprintf("f%d", n))
		data := randomBytes(n, 51)
		s.write(t, p, data, fs.CreateOptions{})
		check(p, "as written", data)
	}
	p := join(dir, "f3000")
	time.Sleep(max(s.cfg.mtimeRes, 2*time.Millisecond))
	data := randomBytes(3000, 52)
	s.write(t, p, data, fs.CreateOptions{Overwrite: true})
	check(p, "after a same-size rewrite", data)
	fi := s.stat(t, p)
	fi.Size++
	if sum, ok, err := fs.ServerChecksum(ctx, s.fsys, fi); ok && err == nil {
		t.Errorf("ServerChecksum(%s) described with %d bytes, holding %d: %s, want none", p, fi.Size, len(data), sum)
	}
}
