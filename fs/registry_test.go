package fs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
)

// countingFS is a distinct FS instance per open, counting Close calls.
type countingFS struct {
	fs.FS
	host   string
	closed atomic.Int32
}

func (c *countingFS) Close() error { c.closed.Add(1); return nil }

func TestRegistryUnknownScheme(t *testing.T) {
	r := fs.NewRegistry()
	r.Register("file", local.Open)
	r.Register("HDFS", func(context.Context, fs.URI) (fs.FS, error) { return local.New(), nil })
	_, err := r.FS(t.Context(), fs.MustParseURI("cosn://bucket-1250000000/x"))
	if err == nil {
		t.Fatal("FS of an unregistered scheme succeeded")
	}
	for _, want := range []string{`"cosn"`, "file://, hdfs://"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if got := strings.Join(r.Schemes(), ","); got != "file,hdfs" {
		t.Errorf("Schemes() = %q, want file,hdfs (lower case, sorted)", got)
	}
}

func TestRegistryReusesOneFSPerSchemeAndHost(t *testing.T) {
	var opens atomic.Int32
	var mu sync.Mutex
	var opened []*countingFS
	r := fs.NewRegistry()
	r.Register("hdfs", func(ctx context.Context, u fs.URI) (fs.FS, error) {
		opens.Add(1)
		c := &countingFS{FS: local.New(), host: u.Host}
		mu.Lock()
		opened = append(opened, c)
		mu.Unlock()
		return c, nil
	})
	r.Register("file", local.Open)
	ctx := t.Context()

	var wg sync.WaitGroup
	got := make([]fs.FS, 16)
	for i := range got {
		wg.Go(func() {
			f, err := r.FS(ctx, fs.MustParseURI("hdfs://nn:9000/dir/f"))
			if err != nil {
				t.Error(err)
			}
			got[i] = f
		})
	}
	wg.Wait()
	for _, f := range got {
		if f != got[0] {
			t.Fatal("the same scheme and host gave different FS instances")
		}
	}
	if n := opens.Load(); n != 1 {
		t.Errorf("opener called %d times for one host, want 1", n)
	}
	other, err := r.FS(ctx, fs.MustParseURI("hdfs://nn2:9000/x"))
	if err != nil {
		t.Fatal(err)
	}
	if other == got[0] || opens.Load() != 2 {
		t.Errorf("another host reused the FS (opens %d)", opens.Load())
	}
	// file:///x and file://localhost/x are the same local FS.
	l1, err1 := r.FS(ctx, fs.MustParseURI("file:///a"))
	l2, err2 := r.FS(ctx, fs.MustParseURI("file://localhost/b"))
	if err1 != nil || err2 != nil || l1 != l2 {
		t.Errorf("local FS not reused: %v %v", err1, err2)
	}

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range opened {
		if n := c.closed.Load(); n != 1 {
			t.Errorf("FS for %s closed %d times, want 1", c.host, n)
		}
	}
	// After Close, the next use opens anew.
	if _, err := r.FS(ctx, fs.MustParseURI("hdfs://nn:9000/x")); err != nil || opens.Load() != 3 {
		t.Errorf("after Close: %v, opens %d, want 3", err, opens.Load())
	}
}

func TestRegistryOpenErrorIsNotCached(t *testing.T) {
	boom := errors.New("connection refused")
	var calls int
	r := fs.NewRegistry()
	r.Register("hdfs", func(context.Context, fs.URI) (fs.FS, error) {
		calls++
		if calls == 1 {
			return nil, boom
		}
		return local.New(), nil
	})
	u := fs.MustParseURI("hdfs://nn:9000/x")
	_, err := r.FS(t.Context(), u)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "hdfs://nn:9000") {
		t.Errorf("first FS: %v, want the opener's error naming hdfs://nn:9000", err)
	}
	if _, err := r.FS(t.Context(), u); err != nil || calls != 2 {
		t.Errorf("second FS: %v after %d calls, want a retry that succeeds", err, calls)
	}
}

func TestRegistryLocalEndToEnd(t *testing.T) {
	r := fs.NewRegistry()
	r.Register("file", local.Open)
	d := t.TempDir()
	u := fs.MustParseURI(d)
	f, err := r.FS(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat(t.Context(), u.Path)
	if err != nil || !fi.IsDir() {
		t.Errorf("Stat(%s) = %+v, %v", u.Path, fi, err)
	}
	if _, err := r.FS(t.Context(), fs.URI{Scheme: "file", Host: "otherhost", Path: "/"}); err == nil {
		t.Error("file://otherhost opened")
	}
}
