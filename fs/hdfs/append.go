package hdfs

import (
	"context"
	"errors"
	"fmt"
	"os"

	hdfsclient "github.com/colinmarc/hdfs/v2"

	"github.com/jetcp/jetcp/fs"
)

// Append opens p, a file of size bytes, to write at its end through the
// NameNode's append call (fs.Appender): the DataNodes take the bytes
// after the last block's, so only the new ones travel. The file is
// looked at first (getFileInfo), and a file of another length is not
// touched. Abort closes the file with what was sent so far: HDFS cannot
// take appended bytes back without a truncate.
func (f *FS) Append(ctx context.Context, p string, size int64) (fs.Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, err := get(ctx, f, func(c *client, _ bool) (*appender, error) {
		fi, err := c.Stat(p)
		switch {
		case err != nil:
			return nil, err
		case fi.IsDir():
			return nil, fmt.Errorf("is a directory: %w", fs.ErrExist)
		case fi.Size() != size:
			return nil, fmt.Errorf("file size changed: %d bytes, expected %d", fi.Size(), size)
		}
		fw, err := c.Append(p)
		if err != nil {
			return nil, err
		}
		f.hold(c)
		return &appender{f: f, c: c, path: p, w: fw}, nil
	})
	if err != nil {
		return nil, f.mapErr("append", p, err)
	}
	return w, nil
}

// appender writes through the client that holds the file's lease.
type appender struct {
	f    *FS
	c    *client
	path string
	w    *hdfsclient.FileWriter
	done bool
}

func (a *appender) Write(b []byte) (int, error) {
	if a.done {
		return 0, fmt.Errorf("append %s%s: %w", a.f.name, a.path, os.ErrClosed)
	}
	if len(b) == 0 {
		return 0, nil // as writer.Write: no empty packet to a DataNode
	}
	n, err := a.w.Write(b)
	if err != nil {
		err = a.f.mapErr("append", a.path, err)
	}
	return n, err
}

// Close completes the file, waiting while its last block replicates, as
// writer.Close does.
func (a *appender) Close() error {
	if a.done {
		return nil
	}
	a.done = true
	defer a.f.release(a.c)
	err := replicating.Do(a.f.life, func(context.Context) error { return a.w.Close() })
	return a.f.mapErr("close", a.path, err)
}

// Abort closes the file with what was appended so far.
func (a *appender) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	defer a.f.release(a.c)
	if err := a.w.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return a.f.mapErr("abort append to", a.path, err)
	}
	return nil
}
