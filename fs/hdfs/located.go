package hdfs

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"os"
	"path"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/jetcp/jetcp/fs"
)

// A copy's verification needs the file's status (its length, and the
// mtime and inode id the origin record and the manifest keep) and its
// blocks' locations (the DataNodes asked for the block checksums). The
// client gets them with two calls (Open's getFileInfo, then
// getBlockLocations); getListing of the file's own path with
// needLocation answers both in one (HDFS lists a file as itself, with its
// blocks: what listLocatedStatus uses), and the block checksums are then
// asked of the DataNodes here (BLOCK_CHECKSUM, as the client's
// ChecksumReader does). Only on the own connection (SIMPLE
// authentication); with Kerberos, DataNode connections may need SASL,
// which the client does.

// locatedFile is a file's status and blocks, from one getListing.
type locatedFile struct {
	fi     fs.FileInfo
	id     uint64
	blocks []locatedBlock
}

// locatedBlock is a block as the DataNodes are asked about it.
type locatedBlock struct {
	block, token []byte   // ExtendedBlockProto and TokenProto, as encoded
	addrs        []string // the DataNodes' transfer addresses
}

// hdfsFile is HdfsFileStatusProto's fileType of a file.
const hdfsFile = 2

// locatedFile lists p, a file, with its block locations.
func (o *ownRPC) locatedFile(ctx context.Context, p string) (locatedFile, error) {
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType) // src
	req = protowire.AppendString(req, p)
	req = protowire.AppendTag(req, 2, protowire.BytesType) // startAfter
	req = protowire.AppendBytes(req, nil)
	req = protowire.AppendTag(req, 3, protowire.VarintType) // needLocation
	req = protowire.AppendVarint(req, 1)
	resp, err := o.call(ctx, "getListing", req)
	if err != nil {
		return locatedFile{}, err
	}
	list, ok := bytesField(resp, 1) // dirList; absent: not found
	if !ok {
		return locatedFile{}, &os.PathError{Op: "getListing", Path: p, Err: os.ErrNotExist}
	}
	// A file lists as itself, named "" or by its own name: anything else
	// is a directory's listing.
	entries := repeatedBytes(list, 1)
	if len(entries) != 1 {
		return locatedFile{}, fmt.Errorf("%s is not a file (%d entries listed)", p, len(entries))
	}
	if name, _ := bytesField(entries[0], 2); len(name) > 0 && string(name) != path.Base(p) {
		return locatedFile{}, fmt.Errorf("%s is not a file (it lists %q)", p, name)
	}
	return parseLocated(p, entries[0], o.f.opts.UseDatanodeHostname)
}

// parseLocated reads an HdfsFileStatusProto with its locations, into the
// fs.FileInfo FS.info makes of the client's status.
func parseLocated(p string, st []byte, useHostname bool) (locatedFile, error) {
	if typ, _ := varintField(st, 1); typ != hdfsFile {
		return locatedFile{}, fmt.Errorf("%s is not a file", p)
	}
	num := func(n protowire.Number) uint64 { v, _ := varintField(st, n); return v }
	perm, _ := bytesField(st, 4)
	mode, _ := varintField(perm, 1)
	owner, _ := bytesField(st, 5)
	group, _ := bytesField(st, 6)
	lf := locatedFile{id: num(13), fi: fs.FileInfo{
		Path: path.Clean("/" + p), Size: int64(num(3)), Mode: iofs.FileMode(mode) & iofs.ModePerm,
		ModTime: time.UnixMilli(int64(num(7))), AccessTime: time.Unix(int64(num(8))/1000, 0),
		Owner: string(owner), Group: string(group), BlockSize: int64(num(11)), Replication: int16(num(10)),
	}}
	lf.fi.Version = version(lf.id, lf.fi.ModTime)
	locs, ok := bytesField(st, 12)
	if !ok && lf.fi.Size > 0 {
		return locatedFile{}, fmt.Errorf("%s: the NameNode listed no block locations", p)
	}
	for _, lb := range repeatedBytes(locs, 2) {
		b, _ := bytesField(lb, 1)
		tok, _ := bytesField(lb, 5)
		blk := locatedBlock{block: b, token: tok}
		for _, dn := range repeatedBytes(lb, 3) {
			id, _ := bytesField(dn, 1)
			host, _ := bytesField(id, 1) // ipAddr
			if useHostname {
				host, _ = bytesField(id, 2)
			}
			port, _ := varintField(id, 4)
			blk.addrs = append(blk.addrs, net.JoinHostPort(string(host), strconv.FormatUint(port, 10)))
		}
		lf.blocks = append(lf.blocks, blk)
	}
	return lf, nil
}

// repeatedBytes are all length-delimited fields num of msg.
func repeatedBytes(msg []byte, num protowire.Number) [][]byte {
	var out [][]byte
	scanFields(msg, func(n protowire.Number, typ protowire.Type, v []byte) bool {
		if n == num && typ == protowire.BytesType {
			if b, k := protowire.ConsumeBytes(v); k >= 0 {
				out = append(out, b)
			}
		}
		return false
	})
	return out
}

// checksums are the blocks' checksums (MD5 of their chunk CRCs) from
// their DataNodes, each asked in turn until one answers.
func (lf locatedFile) checksums(ctx context.Context, d *net.Dialer) ([]byte, error) {
	var all []byte
	for i, b := range lf.blocks {
		var errs []error
		var sum []byte
		for _, addr := range b.addrs {
			var err error
			if sum, err = blockChecksum(ctx, d, addr, b); err == nil {
				break
			}
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		}
		if sum == nil {
			return nil, fmt.Errorf("checksum of block %d: no DataNode answered: %w", i, errors.Join(errs...))
		}
		all = append(all, sum...)
	}
	return all, nil
}

// Data transfer protocol: version 28, op BLOCK_CHECKSUM.
const (
	dataTransferVersion = 28
	opBlockChecksum     = 0x55
	dnTimeout           = time.Minute
)

// blockChecksum asks the DataNode at addr for b's checksum.
func blockChecksum(ctx context.Context, d *net.Dialer, addr string, b locatedBlock) ([]byte, error) {
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(dnTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	var hdr, op []byte
	hdr = protowire.AppendTag(hdr, 1, protowire.BytesType)
	hdr = protowire.AppendBytes(hdr, b.block)
	hdr = protowire.AppendTag(hdr, 2, protowire.BytesType)
	hdr = protowire.AppendBytes(hdr, b.token)
	op = protowire.AppendTag(op, 1, protowire.BytesType)
	op = protowire.AppendBytes(op, hdr)
	req := protowire.AppendBytes([]byte{0, dataTransferVersion, opBlockChecksum}, op)
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	r := bufio.NewReader(conn)
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("answer of %d bytes", n)
	}
	resp := make([]byte, n)
	if _, err := io.ReadFull(r, resp); err != nil {
		return nil, err
	}
	if status, _ := varintField(resp, 1); status != 0 {
		msg, _ := bytesField(resp, 5)
		return nil, fmt.Errorf("BLOCK_CHECKSUM refused (status %d): %s", status, msg)
	}
	cr, _ := bytesField(resp, 3)
	sum, ok := bytesField(cr, 3)
	if !ok {
		return nil, errors.New("BLOCK_CHECKSUM answered no checksum")
	}
	return sum, nil
}
