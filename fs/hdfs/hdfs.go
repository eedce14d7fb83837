// Package hdfs is jetcp's backend for HDFS (hdfs://namenode:port/path, or a
// nameservice from the Hadoop configuration) on github.com/colinmarc/hdfs.
// One client, and so one NameNode connection, serves every file of an FS.
package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"iter"
	"os"
	"path"
	"strings"
	"time"

	hdfsclient "github.com/colinmarc/hdfs/v2"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/hadoopconf"
)

// FS is one HDFS namespace.
type FS struct {
	name string // for messages: hdfs://host
	c    *hdfsclient.Client
	defs hdfsclient.ServerDefaults
}

// Opener returns an fs.Opener for "hdfs", configured from the environment
// and the Hadoop configuration when a NameNode is first used.
func Opener(src hadoopconf.Source) fs.Opener {
	getenv := src.Getenv
	return func(ctx context.Context, u fs.URI) (fs.FS, error) {
		conf, err := src.Load()
		if err != nil {
			return nil, err
		}
		cfg, err := ConfigFor(u.Host, getenv, conf)
		if err != nil {
			return nil, err
		}
		return New(ctx, "hdfs://"+u.Host, cfg)
	}
}

// New connects to the NameNode(s) of cfg.
func New(ctx context.Context, name string, cfg Config) (*FS, error) {
	opts := hdfsclient.ClientOptions{
		Addresses:           cfg.Addresses,
		User:                cfg.User,
		UseDatanodeHostname: cfg.UseDatanodeHostname,
		KerberosClient:      cfg.Kerberos,
	}
	if cfg.Kerberos != nil {
		opts.KerberosServicePrincipleName = cfg.KerberosServiceName
	}
	c, err := hdfsclient.NewClient(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to HDFS NameNode %v: %w (is it running? check the address or HADOOP_CONF_DIR)", cfg.Addresses, err)
	}
	f := &FS{name: name, c: c}
	defs, err := c.ServerDefaults()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to HDFS NameNode %v: %w (is it running? check the address)", cfg.Addresses, err)
	}
	f.defs = defs
	return f, nil
}

// Close ends the NameNode connection.
func (f *FS) Close() error { return f.c.Close() }

// mapErr keeps the client's os errors (which wrap io/fs's sentinels) and
// adds the path.
func (f *FS) mapErr(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s %s%s: %w", op, f.name, p, explain(err))
}

// explain turns a NameNode's Java exception, which the client passes on
// as is from some calls (a read's getBlockLocations), into an io/fs
// sentinel with words a person can act on.
func explain(err error) error {
	var nn interface{ Exception() string }
	if !errors.As(err, &nn) {
		return err
	}
	switch ex := nn.Exception(); {
	case strings.HasSuffix(ex, "AccessControlException"):
		return fmt.Errorf("%w (HDFS %s: check the path's owner and mode, or HADOOP_USER_NAME)", fs.ErrPermission, ex)
	case strings.HasSuffix(ex, "FileNotFoundException"):
		return fmt.Errorf("%w (HDFS %s)", fs.ErrNotExist, ex)
	}
	return err
}

func (f *FS) info(p string, fi iofs.FileInfo) fs.FileInfo {
	out := fs.FileInfo{Path: path.Clean("/" + p), Size: fi.Size(), Mode: fi.Mode() & (iofs.ModeDir | iofs.ModePerm | iofs.ModeSticky), ModTime: fi.ModTime()}
	if hf, ok := fi.(*hdfsclient.FileInfo); ok {
		out.Owner, out.Group, out.AccessTime = hf.Owner(), hf.OwnerGroup(), hf.AccessTime()
		if st, ok := hf.Sys().(*hdfsclient.FileStatus); ok && !fi.IsDir() {
			out.BlockSize = int64(st.GetBlocksize())
			out.Replication = int16(st.GetBlockReplication())
		}
	}
	if out.IsDir() {
		out.Size = 0
	}
	return out
}

// Stat asks the NameNode; a path below a file is reported as missing.
func (f *FS) Stat(ctx context.Context, p string) (fs.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return fs.FileInfo{}, err
	}
	fi, err := f.c.Stat(p)
	if err != nil {
		if isNotDir(err) {
			return fs.FileInfo{}, fmt.Errorf("stat %s%s: %w", f.name, p, fs.ErrNotExist)
		}
		return fs.FileInfo{}, f.mapErr("stat", p, err)
	}
	return f.info(p, fi), nil
}

// isNotDir reports HDFS's ParentNotDirectoryException (and friends), which
// the client does not map.
func isNotDir(err error) bool {
	var re interface{ Exception() string }
	if errors.As(err, &re) {
		switch re.Exception() {
		case "org.apache.hadoop.fs.ParentNotDirectoryException", "org.apache.hadoop.fs.PathIsNotDirectoryException":
			return true
		}
	}
	return false
}

// List pages through the directory 1000 entries at a time.
func (f *FS) List(ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
	return func(yield func(fs.FileInfo, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(fs.FileInfo{}, err)
			return
		}
		// Open fetches the status once; no separate Stat round trip.
		r, err := f.c.Open(dir)
		if err != nil {
			if isNotDir(err) {
				err = fs.ErrNotExist
			}
			yield(fs.FileInfo{}, f.mapErr("list", dir, err))
			return
		}
		defer r.Close()
		if !r.Stat().IsDir() {
			yield(fs.FileInfo{}, fmt.Errorf("list %s%s: not a directory: %w", f.name, dir, fs.ErrNotExist))
			return
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(fs.FileInfo{}, err)
				return
			}
			batch, err := r.Readdir(1000)
			for _, e := range batch {
				if !yield(f.info(path.Join(dir, e.Name()), e), nil) {
					return
				}
			}
			if errors.Is(err, io.EOF) || err == nil && len(batch) == 0 {
				return
			}
			if err != nil {
				yield(fs.FileInfo{}, f.mapErr("list", dir, err))
				return
			}
		}
	}
}

// Open reads from offset.
func (f *FS) Open(ctx context.Context, p string, offset int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := f.c.Open(p)
	if err != nil {
		return nil, f.mapErr("open", p, err)
	}
	if r.Stat().IsDir() {
		r.Close()
		return nil, fmt.Errorf("open %s%s: is a directory", f.name, p)
	}
	if offset > 0 {
		if _, err := r.Seek(offset, io.SeekStart); err != nil {
			r.Close()
			return nil, f.mapErr("seek", p, err)
		}
	}
	return &reader{ctx: ctx, r: r}, nil
}

// reader stops a long read when its context ends (the client has none).
type reader struct {
	ctx context.Context
	r   *hdfsclient.FileReader
}

func (r *reader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		err = explain(err)
	}
	return n, err
}

func (r *reader) Close() error { return r.r.Close() }

// Create writes a new file with the server's (or the requested) block
// size and replication.
func (f *FS) Create(ctx context.Context, p string, opts fs.CreateOptions) (fs.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fi, err := f.c.Stat(p); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("create %s%s: is a directory: %w", f.name, p, fs.ErrExist)
		}
		if !opts.Overwrite {
			return nil, fmt.Errorf("create %s%s: %w", f.name, p, fs.ErrExist)
		}
		if err := f.c.Remove(p); err != nil {
			return nil, f.mapErr("create (replace)", p, err)
		}
	}
	bs, repl := opts.BlockSize, int(opts.Replication)
	if bs <= 0 {
		bs = int64(f.defs.BlockSize)
	}
	if repl <= 0 {
		repl = f.defs.Replication
	}
	perm := opts.Perm
	if perm == 0 {
		perm = 0o644
	}
	w, err := f.c.CreateFile(p, repl, bs, perm)
	if err != nil {
		return nil, f.mapErr("create", p, err)
	}
	return &writer{f: f, path: p, w: w}, nil
}

type writer struct {
	f    *FS
	path string
	w    *hdfsclient.FileWriter
	done bool
}

func (w *writer) Write(b []byte) (int, error) { return w.w.Write(b) }

// Close completes the file, waiting while the NameNode says the last block
// is still replicating (as the Java client retries).
func (w *writer) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	err := w.w.Close()
	for wait := 50 * time.Millisecond; errors.Is(err, hdfsclient.ErrReplicating) && wait < 10*time.Second; wait *= 2 {
		time.Sleep(wait)
		err = w.w.Close()
	}
	return w.f.mapErr("close", w.path, err)
}

// Abort closes what was written and removes it.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	_ = w.w.Close()
	if err := w.f.c.Remove(w.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return w.f.mapErr("abort", w.path, err)
	}
	return nil
}

// Mkdir creates one directory; the parent must exist.
func (f *FS) Mkdir(ctx context.Context, p string, perm iofs.FileMode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := f.c.Stat(p); err == nil {
		return fmt.Errorf("mkdir %s%s: %w", f.name, p, fs.ErrExist)
	}
	if parent := path.Dir(p); parent != p {
		pi, err := f.Stat(ctx, parent)
		if err != nil {
			return fmt.Errorf("mkdir %s%s: parent: %w", f.name, p, err)
		}
		if !pi.IsDir() {
			return fmt.Errorf("mkdir %s%s: parent is a file: %w", f.name, p, fs.ErrNotExist)
		}
	}
	return f.mapErr("mkdir", p, f.c.Mkdir(p, perm))
}

// Rename uses rename2 with overwrite, which replaces a file and refuses an
// existing directory.
func (f *FS) Rename(ctx context.Context, oldpath, newpath string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := f.c.Stat(oldpath); err != nil {
		return f.mapErr("rename", oldpath, err)
	}
	if ti, err := f.c.Stat(newpath); err == nil && ti.IsDir() {
		return fmt.Errorf("rename %s%s: target %s is a directory: %w", f.name, oldpath, newpath, fs.ErrExist)
	}
	return f.mapErr("rename", oldpath, f.c.Rename(oldpath, newpath))
}

// Remove deletes a file or directory (a non-empty one only with recursive).
func (f *FS) Remove(ctx context.Context, p string, recursive bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if path.Clean(p) == "/" {
		return fmt.Errorf("remove %s/: refusing to remove the root", f.name)
	}
	if _, err := f.c.Stat(p); err != nil {
		return f.mapErr("remove", p, err)
	}
	if recursive {
		return f.mapErr("remove", p, f.c.RemoveAll(p))
	}
	return f.mapErr("remove", p, f.c.Remove(p))
}

// SetAttrs applies permission, owner and group (both are always sent: the
// client would send "" for a missing one) and times. HDFS keeps times in
// milliseconds and the client sends whole seconds. Replication cannot be set
// through this client and is ignored.
func (f *FS) SetAttrs(ctx context.Context, p string, a fs.Attrs) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return err
	}
	if a.Mode != nil {
		if err := f.c.Chmod(p, *a.Mode&(iofs.ModePerm|iofs.ModeSticky)); err != nil {
			return f.mapErr("chmod", p, err)
		}
	}
	if a.Owner != "" || a.Group != "" {
		owner, group := a.Owner, a.Group
		if owner == "" {
			owner = fi.Owner
		}
		if group == "" {
			group = fi.Group
		}
		if err := f.c.Chown(p, owner, group); err != nil {
			return f.mapErr("chown", p, err)
		}
	}
	if !a.ModTime.IsZero() || !a.AccessTime.IsZero() {
		mt, at := a.ModTime, a.AccessTime
		if mt.IsZero() {
			mt = fi.ModTime
		}
		if at.IsZero() {
			at = fi.AccessTime
		}
		if err := f.c.Chtimes(p, at, mt); err != nil {
			return f.mapErr("chtimes", p, err)
		}
	}
	return nil
}
