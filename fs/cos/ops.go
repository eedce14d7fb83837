package cos

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/jetcp/jetcp/fs"
)

// Mkdir puts a "key/" marker, as Hadoop-COS's mkdirs does.
func (f *FS) Mkdir(ctx context.Context, p string, perm iofs.FileMode) error {
	if _, err := f.Stat(ctx, p); err == nil {
		return fmt.Errorf("mkdir cosn://%s%s: %w", f.bucket, p, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := path.Dir(path.Clean("/" + p)); parent != "/" {
		pi, err := f.Stat(ctx, parent)
		if err != nil {
			return fmt.Errorf("mkdir cosn://%s%s: parent: %w", f.bucket, p, err)
		}
		if !pi.IsDir() {
			return fmt.Errorf("mkdir cosn://%s%s: parent is a file: %w", f.bucket, p, fs.ErrNotExist)
		}
	}
	m := perm
	return f.putMarker(ctx, p, metaHeader(nil, fs.Attrs{Mode: &m}))
}

// MarkDir implements fs.DirMarker: one PUT of the "key/" marker, no look
// at the path or its parent first. A file needs no parent marker on COS
// (any prefix with objects below it is a directory), so a copier that
// knows a directory missing makes it with the one request its marker
// costs.
func (f *FS) MarkDir(ctx context.Context, p string, perm iofs.FileMode) error {
	if key(p) == "" {
		return nil // the bucket root always exists
	}
	m := perm
	return f.putMarker(ctx, p, metaHeader(nil, fs.Attrs{Mode: &m}))
}

func (f *FS) putMarker(ctx context.Context, p string, meta http.Header) error {
	_, err := f.c.Object.Put(ctx, key(p)+"/", strings.NewReader(""), &cossdk.ObjectPutOptions{
		ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{ContentLength: 0, XCosMetaXXX: &meta}})
	return f.mapErr("mkdir", p, err)
}

// copySource names an object for x-cos-copy-source. The SDK escapes it.
func (f *FS) copySource(k string) string {
	return f.cfg.host(f.bucket) + "/" + k
}

func (f *FS) copyObject(ctx context.Context, from, to string, meta *http.Header) error {
	opt := &cossdk.ObjectCopyOptions{ObjectCopyHeaderOptions: &cossdk.ObjectCopyHeaderOptions{XCosMetadataDirective: "Copy"}}
	if meta != nil {
		opt.ObjectCopyHeaderOptions.XCosMetadataDirective = "Replaced"
		opt.ObjectCopyHeaderOptions.XCosMetaXXX = meta
	}
	var version []string
	if strings.Contains(from, "?") {
		// The SDK takes a raw "?" for a version query unless it is told the
		// (empty) version itself, which makes it escape the key.
		version = []string{""}
	}
	_, _, err := f.c.Object.Copy(ctx, to, f.copySource(from), opt, version...)
	return err
}

// Rename is copy + delete: server-side, but not atomic. A directory is
// renamed object by object.
func (f *FS) Rename(ctx context.Context, oldpath, newpath string) error {
	fi, err := f.Stat(ctx, oldpath)
	if err != nil {
		return err
	}
	ti, terr := f.Stat(ctx, newpath)
	if terr != nil && !errors.Is(terr, fs.ErrNotExist) {
		return terr
	}
	exists := terr == nil
	if !fi.IsDir() {
		if exists && ti.IsDir() {
			return fmt.Errorf("rename cosn://%s%s: target %s is a directory: %w", f.bucket, oldpath, newpath, fs.ErrExist)
		}
		if err := f.copySized(ctx, key(oldpath), key(newpath), fi.Size); err != nil {
			return f.mapErr("rename", oldpath, err)
		}
		_, err := f.c.Object.Delete(ctx, key(oldpath))
		return f.mapErr("rename", oldpath, err)
	}
	if exists {
		return fmt.Errorf("rename cosn://%s%s: target %s exists: %w", f.bucket, oldpath, newpath, fs.ErrExist)
	}
	from, to := key(oldpath)+"/", key(newpath)+"/"
	var moved []string
	for e, err := range f.walk(ctx, from, "") {
		if err != nil {
			return f.mapErr("rename", oldpath, err)
		}
		k := strings.TrimPrefix(e.Path, "/")
		if e.IsDir() {
			k += "/"
		}
		if err := f.copySized(ctx, k, to+strings.TrimPrefix(k, from), e.Size); err != nil {
			return f.mapErr("rename", oldpath, err)
		}
		moved = append(moved, k)
	}
	if len(moved) == 0 { // a prefix-only directory cannot be empty; keep the shape
		if err := f.putMarker(ctx, newpath, http.Header{}); err != nil {
			return err
		}
	}
	return f.deleteKeys(ctx, oldpath, moved)
}

func (f *FS) deleteKeys(ctx context.Context, p string, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		opt := &cossdk.ObjectDeleteMultiOptions{Quiet: true}
		for _, k := range keys[:n] {
			opt.Objects = append(opt.Objects, cossdk.Object{Key: k})
		}
		res, _, err := f.c.Object.DeleteMulti(ctx, opt)
		if err != nil {
			return f.mapErr("delete", p, err)
		}
		if len(res.Errors) > 0 {
			e := res.Errors[0]
			return fmt.Errorf("delete cosn://%s/%s: %s %s (%d failed)", f.bucket, e.Key, e.Code, e.Message, len(res.Errors))
		}
		keys = keys[n:]
	}
	return nil
}

// Remove deletes an object, or a directory's marker and (with recursive)
// every object under it.
func (f *FS) Remove(ctx context.Context, p string, recursive bool) error {
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return err
	}
	k := key(p)
	if k == "" {
		return fmt.Errorf("remove cosn://%s/: refusing to remove the bucket root", f.bucket)
	}
	if !fi.IsDir() {
		_, err := f.c.Object.Delete(ctx, k)
		return f.mapErr("remove", p, err)
	}
	var keys []string
	for e, err := range f.walk(ctx, k+"/", "") {
		if err != nil {
			return f.mapErr("remove", p, err)
		}
		ek := strings.TrimPrefix(e.Path, "/")
		if e.IsDir() {
			ek += "/"
		}
		if ek == k+"/" {
			continue
		}
		if !recursive {
			return fmt.Errorf("remove cosn://%s%s: %w", f.bucket, p, errNotEmpty)
		}
		keys = append(keys, ek)
	}
	keys = append(keys, k+"/")
	return f.deleteKeys(ctx, p, keys)
}

// SetAttrs rewrites metadata: a directory's marker is put again; a file is
// copied onto itself with replaced metadata (server-side).
func (f *FS) SetAttrs(ctx context.Context, p string, a fs.Attrs) error {
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return err
	}
	k := key(p)
	if fi.IsDir() {
		if k == "" {
			return nil
		}
		var old http.Header
		if resp, err := f.c.Object.Head(ctx, k+"/", nil); err == nil {
			old = resp.Header
		}
		return f.putMarker(ctx, p, metaHeader(old, a))
	}
	resp, err := f.c.Object.Head(ctx, k, nil)
	if err != nil {
		return f.mapErr("set attributes of", p, err)
	}
	meta := metaHeader(resp.Header, a)
	if !a.ModTime.IsZero() {
		meta.Del(metaSource) // a record holds while the file's mtime does
	}
	return f.mapErr("set attributes of", p, f.copyObject(ctx, k, k, &meta))
}

// Checksum returns the whole-file CRC32C without reading data: COS's own
// (x-cos-hash-crc32c, asked for with x-cos-crc32c-flag), else the one jetcp
// stored at upload if the size still matches; otherwise the checksums are
// incomparable.
func (f *FS) Checksum(ctx context.Context, p string) (fs.Checksum, error) {
	h, err := f.headChecksums(ctx, p)
	if err != nil {
		return fs.Checksum{}, err
	}
	if c, ok := crc32cOf(h); ok {
		return c, nil
	}
	return fs.Checksum{}, fmt.Errorf("cosn://%s%s has no CRC32C: %w", f.bucket, p, fs.ErrIncomparable)
}

// headChecksums is the HEAD answer that carries an object's checksums
// (x-cos-hash-crc32c asked for with x-cos-crc32c-flag).
func (f *FS) headChecksums(ctx context.Context, p string) (http.Header, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := f.c.Object.Head(ctx, key(p), &cossdk.ObjectHeadOptions{XOptionHeader: crcFlag()})
	if err != nil {
		return nil, f.mapErr("checksum", p, err)
	}
	return resp.Header, nil
}

// crc32cOf is the object's CRC32C in a HEAD answer: COS's own, else the
// one jetcp stored at upload if the size still matches.
func crc32cOf(h http.Header) (fs.Checksum, bool) {
	if c, ok := parseCRC32C(h.Get("x-cos-hash-crc32c")); ok {
		return c, true
	}
	size, _ := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	return storedCRC32C(h, size)
}

// parseCRC32C reads x-cos-hash-crc32c: a decimal uint32, as Hadoop-COS
// parses it (new BigInteger(value)), printed as 4 bytes big endian.
func parseCRC32C(v string) (fs.Checksum, bool) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return fs.Checksum{}, false
	}
	return fs.CRC32C(uint32(n)), true
}
