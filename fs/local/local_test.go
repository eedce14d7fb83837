package local_test

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/conformance"
	"github.com/jetcp/jetcp/fs/local"
)

func TestConformance(t *testing.T) {
	var opts []conformance.Option
	if os.Geteuid() == 0 {
		if u, g, ok := otherOwner(); ok {
			opts = append(opts, conformance.WithOtherOwner(u, g))
		}
	}
	conformance.Run(t, local.New(), t.TempDir(), opts...)
}

// otherOwner finds a user and group other than the current ones.
func otherOwner() (string, string, bool) {
	var u, g string
	for _, name := range []string{"nobody", "daemon"} {
		if x, err := user.Lookup(name); err == nil && x.Uid != strconv.Itoa(os.Geteuid()) {
			u = name
			break
		}
	}
	for _, name := range []string{"nogroup", "nobody", "daemon"} {
		if x, err := user.LookupGroup(name); err == nil && x.Gid != strconv.Itoa(os.Getegid()) {
			g = name
			break
		}
	}
	return u, g, u != "" && g != ""
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinksAreFollowed(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	write(t, filepath.Join(d, "target"), "twelve bytes")
	if err := os.Mkdir(filepath.Join(d, "tdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target", filepath.Join(d, "flink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(d, "tdir"), filepath.Join(d, "dlink")); err != nil {
		t.Fatal(err)
	}
	fsys := local.New()

	fi, err := fsys.Stat(ctx, d+"/flink")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size != 12 || !fi.Mode.IsRegular() || fi.Path != d+"/flink" {
		t.Errorf("Stat(flink) = %+v, want the target's regular file of 12 bytes at the link's path", fi)
	}
	fi, err = fsys.Stat(ctx, d+"/dlink")
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode.Perm() != 0o700 {
		t.Errorf("Stat(dlink) = %+v, want the target directory (0700)", fi)
	}

	got := map[string]fs.FileInfo{}
	for fi, err := range fsys.List(ctx, d) {
		if err != nil {
			t.Fatal(err)
		}
		got[fi.Name()] = fi
	}
	if len(got) != 4 {
		t.Errorf("List: %d entries, want 4", len(got))
	}
	if fi := got["flink"]; fi.Size != 12 || fi.Mode&iofs.ModeSymlink != 0 || fi.IsDir() {
		t.Errorf("List: flink = %+v, want the target file", fi)
	}
	if fi := got["dlink"]; !fi.IsDir() || fi.Path != d+"/dlink" {
		t.Errorf("List: dlink = %+v, want a directory at the link's path", fi)
	}
	// Reading through the link reads the target.
	r, err := fsys.Open(ctx, d+"/flink", 7)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b := make([]byte, 10)
	n, _ := r.Read(b)
	if string(b[:n]) != "bytes" {
		t.Errorf("read %q through the link at offset 7, want \"bytes\"", b[:n])
	}
}

func TestDanglingLinkIsAnError(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	write(t, filepath.Join(d, "a"), "a")
	if err := os.Symlink("nowhere", filepath.Join(d, "broken")); err != nil {
		t.Fatal(err)
	}
	fsys := local.New()
	var last error
	var pairs, errs int
	for _, err := range fsys.List(ctx, d) {
		pairs++
		if err != nil {
			errs++
			last = err
		}
	}
	if errs != 1 || last == nil {
		t.Fatalf("List with a dangling link: %d errors in %d pairs, want exactly one error", errs, pairs)
	}
	if !strings.Contains(last.Error(), d+"/broken") || !errors.Is(last, fs.ErrNotExist) {
		t.Errorf("error %q should name %s/broken and wrap ErrNotExist", last, d)
	}
	if _, err := fsys.Stat(ctx, d+"/broken"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(dangling link) = %v, want ErrNotExist", err)
	}
	// A link loop is an error too.
	if err := os.Remove(filepath.Join(d, "broken")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop", filepath.Join(d, "loop")); err != nil {
		t.Fatal(err)
	}
	errs = 0
	for _, err := range fsys.List(ctx, d) {
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), d+"/loop") {
				t.Errorf("error %q should name the looping link", err)
			}
		}
	}
	if errs != 1 {
		t.Errorf("List with a looping link: %d errors, want 1", errs)
	}
	// Removing the link removes the link, not its target.
	if err := fsys.Remove(ctx, d+"/loop", false); err != nil {
		t.Errorf("Remove(link): %v", err)
	}
}

func TestOpener(t *testing.T) {
	ctx := t.Context()
	for _, c := range []struct {
		u  fs.URI
		ok bool
	}{
		{fs.URI{Scheme: "file", Path: "/"}, true},
		{fs.URI{Scheme: "file", Host: "localhost", Path: "/"}, true},
		{fs.URI{Scheme: "file", Host: "otherhost", Path: "/"}, false},
		{fs.URI{Scheme: "hdfs", Host: "", Path: "/"}, false},
	} {
		fsys, err := local.Open(ctx, c.u)
		if c.ok != (err == nil) {
			t.Errorf("Open(%s) = %v, %v; want ok %v", c.u, fsys, err, c.ok)
		}
		if err != nil && c.u.Host == "otherhost" && !strings.Contains(err.Error(), "otherhost") {
			t.Errorf("Open(%s) error %q does not name the host", c.u, err)
		}
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	if _, err := reg.FS(ctx, fs.URI{Scheme: "file", Host: "elsewhere", Path: "/x"}); err == nil {
		t.Error("Registry opened file://elsewhere")
	}
}

func TestRelativePathRefused(t *testing.T) {
	fsys := local.New()
	if _, err := fsys.Stat(t.Context(), "relative/x"); !errors.Is(err, iofs.ErrInvalid) {
		t.Errorf("Stat(relative) = %v, want ErrInvalid", err)
	}
	if err := fsys.Mkdir(t.Context(), "rel", 0o755); !errors.Is(err, iofs.ErrInvalid) {
		t.Errorf("Mkdir(relative) = %v, want ErrInvalid", err)
	}
}

func TestOwnerNames(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	fsys := local.New()
	fi, err := fsys.Stat(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	if fi.Owner != me.Username {
		t.Errorf("Owner = %q, want %q", fi.Owner, me.Username)
	}
	if g, err := user.LookupGroupId(strconv.Itoa(os.Getegid())); err == nil && fi.Group != g.Name {
		t.Errorf("Group = %q, want %q", fi.Group, g.Name)
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot chown to an unknown id")
	}
	// An id without a name reads back as the number, and numbers set ids.
	const id = "54321"
	if _, err := user.LookupId(id); err == nil {
		t.Skipf("uid %s has a name here", id)
	}
	p := d + "/f"
	write(t, p, "x")
	if err := fsys.SetAttrs(ctx, p, fs.Attrs{Owner: id, Group: id}); err != nil {
		t.Fatal(err)
	}
	fi, err = fsys.Stat(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Owner != id || fi.Group != id {
		t.Errorf("owner %q group %q, want %s %s", fi.Owner, fi.Group, id, id)
	}
	if err := fsys.SetAttrs(ctx, p, fs.Attrs{Owner: "no-such-user-jetcp"}); err == nil {
		t.Error("SetAttrs to an unknown user name succeeded")
	}
}

func TestSpecialModeBits(t *testing.T) {
	ctx := t.Context()
	d := t.TempDir()
	fsys := local.New()
	sticky := iofs.ModeSticky | iofs.ModeSetgid | 0o777
	if err := fsys.Mkdir(ctx, d+"/shared", sticky); err != nil {
		t.Fatal(err)
	}
	fi, err := fsys.Stat(ctx, d+"/shared")
	if err != nil {
		t.Fatal(err)
	}
	if want := iofs.ModeDir | sticky; fi.Mode != want {
		t.Errorf("Mkdir with %v: mode %v, want %v", sticky, fi.Mode, want)
	}
	m := iofs.ModeSetuid | 0o755
	write(t, d+"/prog", "#!")
	if err := fsys.SetAttrs(ctx, d+"/prog", fs.Attrs{Mode: &m}); err != nil {
		t.Fatal(err)
	}
	if fi, err := fsys.Stat(ctx, d+"/prog"); err != nil || fi.Mode != m {
		t.Errorf("SetAttrs(%v): mode %v, %v", m, fi.Mode, err)
	}
	// A named pipe keeps its type so that callers can skip it.
	if err := syscall.Mkfifo(d+"/pipe", 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := fsys.Stat(ctx, d+"/pipe"); err != nil || fi.Mode&iofs.ModeNamedPipe == 0 || fi.Mode.IsRegular() {
		t.Errorf("Stat(fifo): mode %v, %v; want ModeNamedPipe", fi.Mode, err)
	}
}

func TestPermIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	ctx := t.Context()
	d := t.TempDir()
	fsys := local.New()
	w, err := fsys.Create(ctx, d+"/f", fs.CreateOptions{Perm: 0o664})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Mkdir(ctx, d+"/dir", 0o775); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]iofs.FileMode{d + "/f": 0o664, d + "/dir": 0o775} {
		if fi, err := fsys.Stat(ctx, p); err != nil || fi.Mode.Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode.Perm(), err, want)
		}
	}
}

func TestListChecksContextBetweenBatches(t *testing.T) {
	d := t.TempDir()
	for i := range 1500 {
		write(t, fmt.Sprintf("%s/f%04d", d, i), "")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var n int
	var last error
	for _, err := range local.New().List(ctx, d) {
		if err != nil {
			last = err
			break
		}
		n++
		cancel()
	}
	if !errors.Is(last, context.Canceled) || n >= 1500 {
		t.Errorf("after cancel: %d entries then %v; want fewer than 1500 and context.Canceled", n, last)
	}
}

func TestWriterAfterAbort(t *testing.T) {
	d := t.TempDir()
	fsys := local.New()
	w, err := fsys.Create(t.Context(), d+"/f", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close after Abort: %v", err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if _, err := os.Lstat(d + "/f"); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("file after Abort: %v", err)
	}
}
