package hdfs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jetcp/jetcp/fs"
)

// xattrCRC32C holds "CRC32C:<hex> size=<bytes> mtime=<unix ms>": the whole
// file CRC32C a copy computed, valid only while size and mtime are unchanged.
const xattrCRC32C = "user.jetcp.crc32c"

// StoreChecksum records c for p as it is now.
func (f *FS) StoreChecksum(ctx context.Context, p string, c fs.Checksum) error {
	if c.Algorithm != fs.AlgCRC32C {
		return nil
	}
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return err
	}
	v := fmt.Sprintf("%s size=%d mtime=%d", c, fi.Size, fi.ModTime.UnixMilli())
	return f.mapErr("set xattr on", p, f.do(ctx, func(c *client, _ bool) error { return c.SetXAttr(p, xattrCRC32C, v) }))
}

// Checksum returns the stored CRC32C when it still belongs to the file, so
// -update costs no data read; otherwise it reads the file.
func (f *FS) Checksum(ctx context.Context, p string) (fs.Checksum, error) {
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return fs.Checksum{}, err
	}
	attrs, err := get(ctx, f, func(c *client, _ bool) (map[string]string, error) { return c.GetXAttrs(p, xattrCRC32C) })
	if err == nil {
		if c, ok := parseStored(attrs[xattrCRC32C], fi); ok {
			return c, nil
		}
	}
	return fs.ChecksumByReading(ctx, f, p, fi.Size)
}

func parseStored(v string, fi fs.FileInfo) (fs.Checksum, bool) {
	parts := strings.Fields(v)
	if len(parts) != 3 {
		return fs.Checksum{}, false
	}
	if parts[1] != "size="+strconv.FormatInt(fi.Size, 10) || parts[2] != "mtime="+strconv.FormatInt(fi.ModTime.UnixMilli(), 10) {
		return fs.Checksum{}, false
	}
	c, err := fs.ParseChecksum(parts[0])
	if _, ok := c.Uint32(); err != nil || !ok {
		return fs.Checksum{}, false
	}
	return c, true
}
