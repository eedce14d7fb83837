package conformance

import (
	"bytes"
	"context"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// testAppender checks fs.Appender: bytes appended land after the old ones
// (across block boundaries), a file of another length than the caller
// names is left alone, a missing file fails with ErrNotExist, and an
// aborted append keeps the old bytes.
func (s *suite) testAppender(t *testing.T) {
	a, ok := s.fsys.(fs.Appender)
	implements(t, ok, "fs.Appender")
	ctx := t.Context()
	appendAll := func(t *testing.T, p string, size int64, data []byte) {
		t.Helper()
		w, err := a.Append(ctx, p, size)
		if err != nil {
			t.Fatalf("Append(%s, %d): %v", p, size, err)
		}
		s.writeTo(t, w, p, data)
		if err := w.Close(); err != nil {
			t.Fatalf("Close of the append to %s: %v", p, err)
		}
	}
	t.Run("Tail", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		head, tail := randomBytes(3000, 31), randomBytes(3<<20+5, 32) // past HDFS test block sizes
		s.write(t, p, head, fs.CreateOptions{})
		appendAll(t, p, int64(len(head)), tail)
		s.wantContent(t, p, append(bytes.Clone(head), tail...))
		if fi := s.stat(t, p); fi.Size != int64(len(head)+len(tail)) {
			t.Errorf("Stat after the append: %d bytes, want %d", fi.Size, len(head)+len(tail))
		}
	})
	t.Run("Empty", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		s.write(t, p, nil, fs.CreateOptions{})
		appendAll(t, p, 0, []byte("xyz"))
		s.wantContent(t, p, []byte("xyz"))
	})
	t.Run("WrongSize", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		s.write(t, p, []byte("0123456789"), fs.CreateOptions{})
		for _, size := range []int64{9, 11} {
			w, err := a.Append(ctx, p, size)
			if err == nil {
				w.Write([]byte("bad"))
				w.Close()
				t.Errorf("Append(%s, %d) of a 10-byte file succeeded", p, size)
			}
		}
		s.wantContent(t, p, []byte("0123456789"))
	})
	t.Run("Missing", func(t *testing.T) {
		d := s.dir(t)
		_, err := a.Append(ctx, join(d, "none"), 0)
		wantErr(t, err, fs.ErrNotExist, "Append of a missing file")
		s.wantMissing(t, join(d, "none"))
	})
	t.Run("Abort", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		head := []byte("kept bytes")
		s.write(t, p, head, fs.CreateOptions{})
		w, err := a.Append(ctx, p, int64(len(head)))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		more := []byte("appended, then aborted")
		s.writeTo(t, w, p, more)
		if err := w.Abort(); err != nil {
			t.Fatalf("Abort: %v", err)
		}
		got := s.read(t, p, 0)
		if whole := append(bytes.Clone(head), more...); len(got) < len(head) || !bytes.HasPrefix(whole, got) {
			t.Errorf("after an aborted append %s holds %s; want the old bytes, maybe followed by some appended", p, abbrev(got))
		}
	})
	t.Run("Canceled", func(t *testing.T) {
		d := s.dir(t)
		p := join(d, "f")
		s.write(t, p, []byte("f"), fs.CreateOptions{})
		w, err := a.Append(canceled(t), p, 1)
		if err == nil {
			w.Abort()
		}
		wantErr(t, err, context.Canceled, "Append with a canceled context")
		s.wantContent(t, p, []byte("f"))
	})
}
