// Package hdfs is jetcp's backend for HDFS (hdfs://namenode:port/path, or a
// nameservice from the Hadoop configuration) on github.com/colinmarc/hdfs.
// One client, and so one NameNode connection, serves every file of an FS.
//
// Failures that Hadoop's own client rides out are ridden out here too, in
// two layers. Inside the NameNode connection (nnConn), a cut connection is
// made again and the request sent again, and a RetriableException answer is
// retried, per RPC, for every call the client makes, writers' included.
// Around each metadata call (FS.do), what still fails with a retriable
// error (RetriableException, StandbyException, SafeModeException, a lost
// connection, colinmarc's "no available namenodes") is tried again with
// back-off on a client made anew if the old one is broken; calls that are
// not idempotent recognise their own earlier success when an answer was lost.
//
// A copied file costs the NameNode what its safety needs: create, addBlock,
// complete, one getListing to verify it (written.go, located.go), setXAttr
// and rename2. Where the client adds calls (a lookup before rename2, a
// getFileInfo and a getBlockLocations to verify, updateBlockForPipeline
// after every block) jetcp sends its own on a connection of its own
// (ownrpc.go) or answers the client itself (pipeline.go); with Kerberos
// the client's calls are used as they are.
package hdfs

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"iter"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	hdfsclient "github.com/colinmarc/hdfs/v2"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/retry"
)

// FS is one HDFS namespace.
type FS struct {
	name     string // for messages: hdfs://host
	opts     hdfsclient.ClientOptions
	defs     hdfsclient.ServerDefaults
	log      zerolog.Logger
	retry    backoff // whole calls (do)
	rpcRetry backoff // one RPC inside nnConn
	dialer   net.Dialer
	life     context.Context // ends at Close: stops nnConn's waits
	stop     context.CancelFunc
	stats    connStats
	written  writtenFiles // files written and verified, until renamed or removed
	own      *ownRPC      // nil with Kerberos (ownrpc.go)

	mu     sync.Mutex
	cur    *client // nil after the last was retired: connect on next use
	gens   uint64
	closed bool
}

// Opener returns an fs.Opener for "hdfs", configured from the environment
// and the Hadoop configuration when a NameNode is first used; its FSs log
// their retries and reconnections to log (the service's logger).
func Opener(src hadoopconf.Source, log zerolog.Logger) fs.Opener {
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
		cfg.Log = log
		return New(ctx, "hdfs://"+u.Host, cfg)
	}
}

// tuning is what tests change.
type tuning struct {
	plain           bool // no nnConn: colinmarc's own connection, as with Kerberos
	retry, rpcRetry backoff
}

// New connects to the NameNode(s) of cfg. A NameNode that cannot be reached
// fails New at once; later calls ride out failures (see the package doc).
func New(ctx context.Context, name string, cfg Config) (*FS, error) {
	return newFS(ctx, name, cfg, tuning{retry: callRetry, rpcRetry: rpcRetry})
}

func newFS(ctx context.Context, name string, cfg Config, t tuning) (*FS, error) {
	f := &FS{
		name: name,
		opts: hdfsclient.ClientOptions{
			Addresses:           cfg.Addresses,
			User:                cfg.User,
			UseDatanodeHostname: cfg.UseDatanodeHostname,
			KerberosClient:      cfg.Kerberos,
		},
		log:      cfg.Log,
		retry:    t.retry,
		rpcRetry: t.rpcRetry,
		dialer:   net.Dialer{Timeout: 20 * time.Second, KeepAlive: 30 * time.Second},
	}
	if cfg.Kerberos != nil {
		f.opts.KerberosServicePrincipleName = cfg.KerberosServiceName
	}
	if cfg.Kerberos != nil || t.plain {
		f.opts.NamenodeDialFunc = f.dialSniffing
	} else {
		// SASL (Kerberos) wraps the RPCs, which nnConn must read.
		f.opts.NamenodeDialFunc = f.dialNameNode
		if cfg.User != "" {
			f.own = newOwnRPC(f, cfg.User)
		}
	}
	f.life, f.stop = context.WithCancel(context.WithoutCancel(ctx))
	// The first connection is not retried: a wrong address fails at once.
	c, err := f.acquire()
	if err != nil {
		f.stop()
		return nil, fmt.Errorf("connect to HDFS NameNode %v: %w (is it running? check the address or HADOOP_CONF_DIR)", cfg.Addresses, err)
	}
	f.release(c)
	defs, err := get(ctx, f, func(c *client, _ bool) (hdfsclient.ServerDefaults, error) { return c.ServerDefaults() })
	var hp *httpPortError
	if errors.As(err, &hp) {
		f.Close()
		return nil, fmt.Errorf("connect to HDFS NameNode %v: %w", cfg.Addresses, hp)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("connect to HDFS NameNode %v: %w (is it running? check the address)", cfg.Addresses, err)
	}
	f.defs = defs
	return f, nil
}

func (f *FS) connect() (*hdfsclient.Client, error) { return hdfsclient.NewClient(f.opts) }

// Close ends the NameNode connection and stops the retries. Readers and
// writers still open keep their client until they are closed.
func (f *FS) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	c := f.cur
	f.cur = nil
	idle := c != nil && c.refs == 0
	if c != nil {
		c.retired = true
	}
	f.mu.Unlock()
	f.stop()
	if f.own != nil {
		f.own.Close()
	}
	if idle {
		return c.Close()
	}
	return nil
}

// mapErr keeps the client's os errors (which wrap io/fs's sentinels) and
// adds the path.
func (f *FS) mapErr(op, p string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s%s: %w", op, f.name, p, explain(unwrapPath(err)))
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
	case strings.HasSuffix(ex, "QuotaExceededException"):
		// A space (DS) or name (NS) quota: full until someone acts, so
		// callers treat it as a full disk and do not try again.
		return fmt.Errorf("%w (HDFS %s: %v; free space or raise the quota with hdfs dfsadmin -setSpaceQuota or -setQuota)", syscall.EDQUOT, ex, err)
	}
	return err
}

// version is a file's fs.FileInfo.Version: its inode id and mtime. A
// file written anew has a new id (HDFS never reuses one), and an append,
// truncate or concat moves the mtime; only a setTimes putting an old mtime
// back on an appended-then-truncated file of the same size would hide a
// change (what -update's rule of size and mtime misses anyway). "" where
// the NameNode gives no id.
func version(id uint64, mtime time.Time) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatUint(id, 10) + "@" + strconv.FormatInt(mtime.UnixMilli(), 10)
}

func (f *FS) info(p string, fi iofs.FileInfo) fs.FileInfo {
	out := fs.FileInfo{Path: path.Clean("/" + p), Size: fi.Size(), Mode: fi.Mode() & (iofs.ModeDir | iofs.ModePerm | iofs.ModeSticky), ModTime: fi.ModTime()}
	if hf, ok := fi.(*hdfsclient.FileInfo); ok {
		out.Owner, out.Group, out.AccessTime = hf.Owner(), hf.OwnerGroup(), hf.AccessTime()
		if st, ok := hf.Sys().(*hdfsclient.FileStatus); ok && !fi.IsDir() {
			out.BlockSize = int64(st.GetBlocksize())
			out.Replication = int16(st.GetBlockReplication())
			out.Version = version(st.GetFileId(), fi.ModTime())
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
	fi, err := f.stat(ctx, p)
	if err != nil {
		if isNotDir(err) {
			return fs.FileInfo{}, fmt.Errorf("stat %s%s: %w", f.name, p, fs.ErrNotExist)
		}
		return fs.FileInfo{}, f.mapErr("stat", p, err)
	}
	return f.info(p, fi), nil
}

// stat is the client's Stat, retried.
func (f *FS) stat(ctx context.Context, p string) (iofs.FileInfo, error) {
	return get(ctx, f, func(c *client, _ bool) (iofs.FileInfo, error) { return c.Stat(p) })
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

// List pages through the directory 1000 entries at a time. A listing cut
// short by a retriable failure starts again and skips up to the last entry
// it yielded (never by comparing names: HDFS orders them its own way); its
// tries are counted afresh whenever a try yielded something new.
func (f *FS) List(ctx context.Context, dir string) iter.Seq2[fs.FileInfo, error] {
	return func(yield func(fs.FileInfo, error) bool) {
		var last string // the name of the last entry yielded
		yielded, stopped := false, false
		list := func(c *client, _ bool) error {
			// Open fetches the status once; no separate Stat round trip.
			r, err := c.Open(dir)
			if err != nil {
				return err
			}
			defer r.Close()
			if !r.Stat().IsDir() {
				return fmt.Errorf("not a directory: %w", fs.ErrNotExist)
			}
			skipping := yielded
			if skipping {
				f.stats.resumed.Add(1)
			}
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				batch, err := r.Readdir(1000)
				for _, e := range batch {
					if skipping {
						skipping = e.Name() != last
						continue
					}
					if !yield(f.info(path.Join(dir, e.Name()), e), nil) {
						stopped = true
						return nil
					}
					last, yielded = e.Name(), true
				}
				// Only a bare io.EOF is the end: a failed getListing comes
				// wrapped in an *os.PathError.
				if err == io.EOF || err == nil && len(batch) == 0 {
					if skipping {
						return fmt.Errorf("the directory changed while its listing was started again after a NameNode failure (%q is gone): list it again", last)
					}
					return nil
				}
				if err != nil {
					return err
				}
			}
		}
		r := retrier{f: f}
		for {
			before := last
			err := r.try(ctx, list)
			if err == nil || stopped {
				return
			}
			if last != before {
				r.tries = 0
			}
			if !r.again(ctx, &err) {
				if isNotDir(err) {
					err = fs.ErrNotExist
				}
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
	r, err := f.open(ctx, p, offset)
	if err != nil {
		return nil, f.mapErr("open", p, err)
	}
	return r, nil
}

var errIsDir = errors.New("is a directory")

// open opens p at offset on the current client, which the reader holds.
func (f *FS) open(ctx context.Context, p string, offset int64) (*reader, error) {
	return get(ctx, f, func(c *client, _ bool) (*reader, error) {
		r, err := c.Open(p)
		if err != nil {
			return nil, err
		}
		if r.Stat().IsDir() {
			r.Close()
			return nil, errIsDir
		}
		if offset > 0 {
			if _, err := r.Seek(offset, io.SeekStart); err != nil {
				r.Close()
				return nil, fmt.Errorf("seek to %d: %w", offset, err)
			}
		}
		f.hold(c)
		return &reader{f: f, ctx: ctx, path: p, c: c, r: r, off: offset}, nil
	})
}

// reader stops a long read when its context ends (the client has none),
// and rides out a failed DataNode read (or a NameNode call for the block
// locations) by opening the file again where it stopped.
type reader struct {
	f     *FS
	ctx   context.Context
	path  string
	c     *client // nil once closed, or after a failed reopen
	r     *hdfsclient.FileReader
	off   int64 // the next byte to read
	tries int   // failed tries in a row
	err   error // the error that ended the reader
}

func (r *reader) Read(b []byte) (int, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
		if r.r == nil {
			if r.err == nil {
				r.err = fmt.Errorf("read %s%s: %w", r.f.name, r.path, os.ErrClosed)
			}
			return 0, r.err
		}
		n, err := r.r.Read(b)
		r.off += int64(n)
		if err == io.EOF && r.off < r.r.Stat().Size() {
			// The client passes on an io.EOF from its NameNode connection
			// (getBlockLocations) as is: not the end of the file, which
			// it reports only at the size it opened.
			err = fmt.Errorf("NameNode connection: %w", io.ErrUnexpectedEOF)
		}
		if err == nil || err == io.EOF {
			if n > 0 {
				r.tries = 0
			}
			return n, err
		}
		if n > 0 {
			return n, nil // the failure, if it lasts, comes again next time
		}
		r.tries++
		if !readRetriable(err) || r.tries >= r.f.retry.attempts {
			if r.tries > 1 {
				err = fmt.Errorf("%w (gave up after %d tries)", err, r.tries)
			}
			return 0, r.f.mapErr("read", r.path, err)
		}
		d := r.f.retry.delay(r.tries - 1)
		r.f.log.Debug().Str("fs", r.f.name).Str("path", r.path).Int64("offset", r.off).Err(err).Dur("pause", d).Msg("HDFS read failed; opening again")
		if !sleep(r.ctx, d) {
			return 0, r.ctx.Err()
		}
		r.drop()
		nr, err := r.f.open(r.ctx, r.path, r.off)
		if err != nil {
			r.err = r.f.mapErr("read (open again)", r.path, err)
			return 0, r.err
		}
		r.c, r.r = nr.c, nr.r
	}
}

// readRetriable reports whether a read may succeed on a fresh open: not
// when the NameNode refuses with a lasting answer (not found, permission).
func readRetriable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var nn interface{ Exception() string }
	if errors.As(err, &nn) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
		return classify(err).retry
	}
	return true // DataNode failures: connection, checksum, "no available datanodes"
}

func (r *reader) drop() {
	if r.r != nil {
		r.r.Close()
		r.f.release(r.c)
		r.r, r.c = nil, nil
	}
}

func (r *reader) Close() error {
	if r.r == nil {
		return nil
	}
	err := r.r.Close()
	r.f.release(r.c)
	r.r, r.c = nil, nil
	if r.err == nil {
		r.err = fmt.Errorf("read %s%s: %w", r.f.name, r.path, os.ErrClosed)
	}
	return err
}

// Create writes a new file with the server's (or the requested) block
// size and replication. It asks the NameNode to create first and looks at
// what is there only when told the path exists: a copy's temp name is new,
// so the common case is one create call.
func (f *FS) Create(ctx context.Context, p string, opts fs.CreateOptions) (fs.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
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
	w, err := get(ctx, f, func(c *client, mayHaveRun bool) (*writer, error) {
		fw, err := c.CreateFile(p, repl, bs, perm)
		if err != nil && errors.Is(err, os.ErrExist) {
			// A directory is never replaced; a file only with Overwrite.
			// (With Overwrite the file may also be our own earlier try's,
			// whose answer was lost.)
			fi, serr := c.Stat(p)
			switch {
			case serr != nil && !errors.Is(serr, os.ErrNotExist):
				return nil, serr
			case serr == nil && fi.IsDir():
				return nil, fmt.Errorf("is a directory: %w", fs.ErrExist)
			case serr == nil && !opts.Overwrite:
				return nil, err
			case serr == nil:
				if err := c.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return nil, err
				}
			}
			fw, err = c.CreateFile(p, repl, bs, perm)
		}
		if err != nil {
			return nil, err
		}
		f.hold(c)
		return &writer{f: f, ctx: context.WithoutCancel(ctx), c: c, path: p, w: fw, sums: newBlockSums(bs)}, nil
	})
	if err != nil {
		return nil, f.mapErr("create", p, err)
	}
	return w, nil
}

// writer writes through the client that created the file: the file's
// lease is that client's. Its NameNode calls (addBlock, complete) are
// retried inside the connection (nnConn), not here.
type writer struct {
	f      *FS
	ctx    context.Context // for Abort's remove
	c      *client
	path   string
	w      *hdfsclient.FileWriter
	sums   *blockSums // of what was sent, for CheckStored
	done   bool
	closed bool     // completed without an error
	file   *written // from Close: for the steps after it (written.go)
}

func (w *writer) Write(b []byte) (int, error) {
	if len(b) == 0 {
		// The client starts a block on any Write; one no DataNode ever
		// receives keeps complete() from succeeding, so Close would wait
		// for a replication that never comes.
		return 0, nil
	}
	n, err := w.w.Write(b)
	w.sums.Write(b[:n])
	if err != nil {
		err = w.f.mapErr("write", w.path, err) // a new block can meet a full quota
	}
	return n, err
}

// Checksum is the CRC32C of the bytes written (fs.ChecksummingWriter),
// derived from the chunk CRCs kept for CheckStored.
func (w *writer) Checksum() fs.Checksum { return w.sums.crc32c() }

// replicating waits for a file's last block to replicate: 9 tries, about
// 12.7 s of pauses (0.05 s doubled up to 6.4 s).
var replicating = retry.Policy{Attempts: 9, Backoff: 50 * time.Millisecond,
	Permanent: func(err error) bool { return !errors.Is(err, hdfsclient.ErrReplicating) }}

// Close completes the file, waiting while the NameNode says the last block
// is still replicating (as the Java client retries), or until the FS closes.
func (w *writer) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	defer w.f.release(w.c)
	err := replicating.Do(w.f.life, func(context.Context) error { return w.w.Close() })
	w.closed = err == nil
	if w.closed {
		w.file = &written{}
		w.f.written.put(w.path, w.file)
	}
	return w.f.mapErr("close", w.path, err)
}

// CheckStored has the DataNodes confirm the closed file without reading
// it back (fs.StoreChecker): their block checksums, made from the chunk
// CRCs each checked on receipt, must equal those of the bytes sent. The
// CRC32C it returns is derived from those same chunk CRCs.
func (w *writer) CheckStored(ctx context.Context) (int64, fs.Checksum, error) {
	if !w.closed {
		return 0, fs.Checksum{}, fmt.Errorf("%s%s was not completed", w.f.name, w.path)
	}
	want, crc := w.sums.finish()
	lf, sum, err := w.stored(ctx)
	if err != nil {
		return 0, fs.Checksum{}, w.f.mapErr("block checksums of", w.path, err)
	}
	if !bytes.Equal(sum, want) {
		return lf.fi.Size, fs.Checksum{}, fmt.Errorf("the DataNodes' file checksum %x differs from %x, that of the bytes sent", sum, want)
	}
	// This lookup is the last word on the completed file: what follows
	// (origin record, attributes, rename, manifest) takes it from here.
	w.file.learn(lf.fi, lf.id)
	return lf.fi.Size, crc, nil
}

// stored is the file's status and its DataNodes' file checksum: one
// getListing on jetcp's own connection (located.go), else the client's
// Open (getFileInfo) and Checksum (getBlockLocations).
func (w *writer) stored(ctx context.Context) (locatedFile, []byte, error) {
	type stored struct {
		lf  locatedFile
		sum []byte
	}
	got, err := get(ctx, w.f, func(c *client, _ bool) (stored, error) {
		if w.f.own != nil {
			lf, err := w.f.own.locatedFile(ctx, w.path)
			if err != nil {
				return stored{}, err
			}
			sums, err := lf.checksums(ctx, &w.f.dialer)
			return stored{lf, fileMD5(sums)}, err
		}
		r, err := c.Open(w.path)
		if err != nil {
			return stored{}, err
		}
		defer r.Close()
		sum, err := r.Checksum()
		lf := locatedFile{fi: w.f.info(w.path, r.Stat())}
		if st, ok := r.Stat().Sys().(*hdfsclient.FileStatus); ok {
			lf.id = st.GetFileId()
		}
		return stored{lf, sum}, err
	})
	return got.lf, got.sum, err
}

// Version implements fs.VersionedWriter. Once CheckStored verified the
// file it is the version that lookup found, with the mtime -p put since
// (the rename into place keeps both inode id and mtime), for no request.
// Otherwise it looks at the file where it was written (a getFileInfo, as
// a caller's Stat would cost), and is "" if that fails or it was moved.
func (w *writer) Version() string {
	if w.file == nil {
		return ""
	}
	w.f.written.done(w.path, w.file) // nothing more to come
	if fi, known := w.file.info(); known {
		return fi.Version
	}
	if w.file.moved() {
		return ""
	}
	fi, err := w.f.Stat(w.ctx, w.path)
	if err != nil {
		return ""
	}
	return fi.Version
}

// Abort closes what was written and removes it.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	_ = w.w.Close()
	w.f.release(w.c)
	if err := w.f.removeFile(w.ctx, w.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return w.f.mapErr("abort", w.path, err)
	}
	return nil
}

// removeFile removes a file or empty directory, retried; a missing path
// after a try whose answer was lost counts as removed.
func (f *FS) removeFile(ctx context.Context, p string) error {
	return f.do(ctx, func(c *client, mayHaveRun bool) error {
		err := c.Remove(p)
		if mayHaveRun && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	})
}

// Mkdir creates one directory; the parent must exist.
func (f *FS) Mkdir(ctx context.Context, p string, perm iofs.FileMode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The client's Mkdir looks first (mkdirs succeeds on an existing
	// directory) and says ErrExist; the parent is looked at only when
	// mkdirs fails.
	err := f.do(ctx, func(c *client, mayHaveRun bool) error {
		err := c.Mkdir(p, perm)
		if err != nil && mayHaveRun && errors.Is(err, os.ErrExist) {
			// A directory there now is taken for our earlier try's, whose
			// answer was lost. (Had it been there before, that try's
			// answer was the ErrExist: a lost one makes a pre-existing
			// directory count as made, which MkdirAll treats alike.)
			fi, serr := c.Stat(p)
			if serr == nil && fi.IsDir() {
				return nil
			}
			if classify(serr).retry {
				return serr
			}
		}
		return err
	})
	if err != nil && !errors.Is(err, os.ErrExist) {
		if parent := path.Dir(p); parent != p {
			if pi, perr := f.Stat(ctx, parent); perr != nil {
				return fmt.Errorf("mkdir %s%s: parent: %w", f.name, p, perr)
			} else if !pi.IsDir() {
				return fmt.Errorf("mkdir %s%s: parent is a file: %w", f.name, p, fs.ErrNotExist)
			}
		}
	}
	return f.mapErr("mkdir", p, err)
}

// Rename uses rename2 with overwrite, which replaces a file and refuses an
// existing directory.
func (f *FS) Rename(ctx context.Context, oldpath, newpath string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// rename2 replaces an empty directory with a directory; this one
	// refuses any. A missing oldpath is rename2's own FileNotFound. A
	// file this FS wrote needs no look first: rename2 refuses to put a
	// file over a directory, and the look is made only if it did.
	_, file := f.written.get(oldpath)
	dirErr := func() error {
		if ti, err := f.stat(ctx, newpath); err == nil && ti.IsDir() {
			return fmt.Errorf("rename %s%s: target %s is a directory: %w", f.name, oldpath, newpath, fs.ErrExist)
		}
		return nil
	}
	if !file {
		if err := dirErr(); err != nil {
			return err
		}
	}
	err := f.do(ctx, func(c *client, mayHaveRun bool) error {
		err := f.rename2(ctx, c, oldpath, newpath)
		if err == nil || !mayHaveRun || !errors.Is(err, os.ErrNotExist) {
			return err
		}
		// Our earlier try, whose answer was lost, may have moved it: the
		// source gone and the target there say it did.
		if _, serr := c.Stat(oldpath); !errors.Is(serr, os.ErrNotExist) {
			if classify(serr).retry {
				return serr
			}
			return err
		}
		_, terr := c.Stat(newpath)
		if terr == nil {
			return nil
		}
		if classify(terr).retry {
			return terr
		}
		return err
	})
	if err == nil {
		f.written.moved(oldpath)
	} else if file {
		if derr := dirErr(); derr != nil {
			return derr
		}
	}
	return f.mapErr("rename", oldpath, err)
}

// rename2 sends rename2 on jetcp's own connection where there is one: the
// client's Rename looks up newpath first, for nothing.
func (f *FS) rename2(ctx context.Context, c *client, oldpath, newpath string) error {
	if f.own == nil {
		return c.Rename(oldpath, newpath)
	}
	return f.own.rename2(ctx, oldpath, newpath)
}

// Remove deletes a file or directory (a non-empty one only with recursive).
func (f *FS) Remove(ctx context.Context, p string, recursive bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if path.Clean(p) == "/" {
		return fmt.Errorf("remove %s/: refusing to remove the root", f.name)
	}
	if _, err := f.stat(ctx, p); err != nil {
		return f.mapErr("remove", p, err)
	}
	f.written.moved(p)
	if !recursive {
		return f.mapErr("remove", p, f.removeFile(ctx, p))
	}
	// RemoveAll of a missing path is nil, so a lost answer needs no care.
	return f.mapErr("remove", p, f.do(ctx, func(c *client, _ bool) error { return c.RemoveAll(p) }))
}

// SetAttrs applies permission, owner and group (both are always sent: the
// client would send "" for a missing one) and times, each only where the
// file's differ (a new file's permission came with create; a file settled
// under -p mostly has them all). HDFS keeps times in milliseconds and the
// client sends whole seconds. Replication cannot be set through this
// client and is ignored. Each call is idempotent and retried.
func (f *FS) SetAttrs(ctx context.Context, p string, a fs.Attrs) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, k, err := f.statWritten(ctx, p)
	if err != nil {
		return err
	}
	if err := f.setMode(ctx, p, fi, k, a); err != nil {
		return err
	}
	if err := f.setOwner(ctx, p, fi, k, a); err != nil {
		return err
	}
	return f.setTimes(ctx, p, fi, k, a)
}

// setMode is SetAttrs' setPermission.
func (f *FS) setMode(ctx context.Context, p string, fi fs.FileInfo, k *written, a fs.Attrs) error {
	const bits = iofs.ModePerm | iofs.ModeSticky
	if a.Mode == nil || *a.Mode&bits == fi.Mode&bits {
		return nil
	}
	mode := *a.Mode & bits
	if err := f.do(ctx, func(c *client, _ bool) error { return c.Chmod(p, mode) }); err != nil {
		return f.mapErr("chmod", p, err)
	}
	k.update(func(fi *fs.FileInfo) { fi.Mode = fi.Mode&^bits | mode })
	return nil
}

// setOwner is SetAttrs' setOwner.
func (f *FS) setOwner(ctx context.Context, p string, fi fs.FileInfo, k *written, a fs.Attrs) error {
	owner, group := cmp.Or(a.Owner, fi.Owner), cmp.Or(a.Group, fi.Group)
	if owner == fi.Owner && group == fi.Group {
		return nil
	}
	if err := f.do(ctx, func(c *client, _ bool) error { return c.Chown(p, owner, group) }); err != nil {
		return f.mapErr("chown", p, err)
	}
	k.update(func(fi *fs.FileInfo) { fi.Owner, fi.Group = owner, group })
	return nil
}

// setTimes is SetAttrs' setTimes, in the whole seconds the client sends
// (the access time as the client reports it, in whole seconds too).
func (f *FS) setTimes(ctx context.Context, p string, fi fs.FileInfo, k *written, a fs.Attrs) error {
	if a.ModTime.IsZero() && a.AccessTime.IsZero() {
		return nil
	}
	mt, at := cmp.Or(a.ModTime, fi.ModTime), cmp.Or(a.AccessTime, fi.AccessTime)
	if mt.Unix()*1000 == fi.ModTime.UnixMilli() && at.Unix() == fi.AccessTime.Unix() {
		return nil
	}
	if err := f.do(ctx, func(c *client, _ bool) error { return c.Chtimes(p, at, mt) }); err != nil {
		return f.mapErr("chtimes", p, err)
	}
	k.retimed(at, mt)
	return nil
}

// statWritten is p's status from writtenFiles where this FS wrote p,
// else from the NameNode (k is then nil, and updating it does nothing).
func (f *FS) statWritten(ctx context.Context, p string) (fs.FileInfo, *written, error) {
	if fi, k, ok := f.written.known(p); ok {
		return fi, k, nil
	}
	fi, err := f.Stat(ctx, p)
	return fi, nil, err
}
