package hdfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/retry"
)

var _ fs.ServerChecksummer = (*FS)(nil)

// The whole-file CRC32C of an HDFS file without reading its data, as
// `hadoop fs -checksum -Dfs.checksum.combine.mode=COMPOSITE_CRC` gets it
// (Hadoop 3.1+, FileChecksumHelper): the file's blocks from
// getBlockLocations, then per block a BLOCK_CHECKSUM op asking for
// COMPOSITE_CRC, which the DataNode answers with the CRC32C of the
// block's bytes, composed from the chunk CRCs it keeps next to the block
// (no data crosses the network, and the DataNode reads only its checksum
// file); the blocks' CRCs combine into the file's. The result depends on
// the bytes alone, not on block or chunk sizes, so it compares with the
// CRC32C of the same bytes anywhere.

// located is one block of a file, as getBlockLocations describes it.
type located struct {
	locatedBlock
	offset, size uint64
}

// errNoComposite says the file has no composite CRC32C to give: it is
// erasure-coded or in an encryption zone (the DataNodes' CRCs are not of
// its bytes), its chunks carry CRC32 rather than CRC32C, or a DataNode
// predates COMPOSITE_CRC. The caller reads instead.
var errNoComposite = errors.New("no COMPOSITE_CRC CRC32C")

const (
	compositeCRC   = 2 // BlockChecksumTypeProto.COMPOSITE_CRC
	checksumCRC32C = 2 // ChecksumTypeProto.CHECKSUM_CRC32C
)

// ServerChecksum implements fs.ServerChecksummer: the file's COMPOSITE_CRC
// CRC32C, from one getBlockLocations call on jetcp's own NameNode
// connection (another from where an answer of part of the blocks ended)
// and one BLOCK_CHECKSUM op per block. ok is false where the file has none
// (errNoComposite), where it is not the file fi describes any more (being
// written, or of another length), and without the own connection
// (Kerberos, whose SASL jetcp's own calls do not speak).
func (f *FS) ServerChecksum(ctx context.Context, fi fs.FileInfo) (fs.Checksum, bool, error) {
	if f.own == nil || fi.IsDir() {
		return fs.Checksum{}, false, nil
	}
	if fi.Size == 0 {
		return fs.CRC32C(0), true, nil // the CRC32C of no bytes; nothing to ask
	}
	blocks, err := f.blockLocations(ctx, fi)
	if err == nil {
		var crc uint32
		for _, b := range blocks {
			var c uint32
			if c, err = f.blockCRC(ctx, b); err != nil {
				break
			}
			crc = fs.CombineCRC32C(crc, c, int64(b.size))
		}
		if err == nil {
			return fs.CRC32C(crc), true, nil
		}
	}
	if errors.Is(err, errNoComposite) {
		f.log.Debug().Str("path", f.name+fi.Path).Err(err).Msg("no composite CRC")
		return fs.Checksum{}, false, nil
	}
	return fs.Checksum{}, false, f.mapErr("composite CRC of", fi.Path, err)
}

// blockLocations lists fi's blocks in order, asking again from the end of
// the last block while a NameNode answers with part of the range.
func (f *FS) blockLocations(ctx context.Context, fi fs.FileInfo) ([]located, error) {
	var blocks []located
	for next := uint64(0); next < uint64(fi.Size); {
		req := pbVarint(pbVarint(pbString(nil, 1, fi.Path), 2, next), 3, uint64(fi.Size)-next)
		resp, err := get(ctx, f, func(*client, bool) ([]byte, error) { return f.own.call(ctx, "getBlockLocations", req) })
		if err != nil {
			return nil, err
		}
		got, err := f.parseLocatedBlocks(resp, fi.Size)
		if err != nil {
			return nil, err
		}
		n := len(blocks)
		for _, b := range got {
			if b.offset == next && b.size > 0 {
				blocks = append(blocks, b)
				next += b.size
			}
		}
		if len(blocks) == n {
			return nil, fmt.Errorf("%w: the NameNode lists no block at offset %d of %d bytes (changed since listed?)", errNoComposite, next, fi.Size)
		}
	}
	return blocks, nil
}

// parseLocatedBlocks reads a GetBlockLocationsResponseProto: its
// LocatedBlocksProto's (1) fileLength (1), blocks (2), underConstruction
// (3), fileEncryptionInfo (6) and ecPolicy (7); of each LocatedBlockProto
// b (1, with numBytes, 4), offset (2), locs (3) and blockToken (5).
func (f *FS) parseLocatedBlocks(resp []byte, size int64) ([]located, error) {
	body, ok := bytesField(resp, 1)
	if !ok {
		return nil, errors.New("getBlockLocations: no block locations in the answer")
	}
	_, encrypted := bytesField(body, 6)
	_, ec := bytesField(body, 7)
	length, _ := varintField(body, 1)
	building, _ := varintField(body, 3)
	switch {
	case encrypted || ec:
		return nil, fmt.Errorf("%w: the file is erasure-coded or encrypted", errNoComposite)
	case building != 0 || length != uint64(size):
		return nil, fmt.Errorf("%w: the file is being written or changed (%d bytes, listed with %d)", errNoComposite, length, size)
	}
	var blocks []located
	for _, lb := range repeatedBytes(body, 2) {
		var b located
		b.block, _ = bytesField(lb, 1)
		b.token, _ = bytesField(lb, 5)
		b.size, _ = varintField(b.block, 4)
		b.offset, _ = varintField(lb, 2)
		for _, dn := range repeatedBytes(lb, 3) {
			id, _ := bytesField(dn, 1)
			host, _ := bytesField(id, 1) // ipAddr
			if f.opts.UseDatanodeHostname {
				host, _ = bytesField(id, 2)
			}
			port, _ := varintField(id, 4)
			b.addrs = append(b.addrs, net.JoinHostPort(string(host), strconv.FormatUint(port, 10)))
		}
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// blockCRC asks the block's DataNodes in turn for its COMPOSITE_CRC, and
// all of them again with back-off while every one fails.
func (f *FS) blockCRC(ctx context.Context, b located) (uint32, error) {
	if len(b.addrs) == 0 {
		return 0, fmt.Errorf("block at offset %d: no DataNode holds a replica", b.offset)
	}
	// OpBlockChecksumProto: header (BaseHeaderProto: block, token) and
	// blockChecksumOptions {blockChecksumType: COMPOSITE_CRC}.
	hdr := pbBytes(nil, 1, b.block)
	if b.token != nil {
		hdr = pbBytes(hdr, 2, b.token)
	}
	req := pbBytes(pbBytes(nil, 1, hdr), 2, pbVarint(nil, 1, compositeCRC))
	p := retry.Policy{Attempts: f.retry.attempts, Backoff: f.retry.first, Max: f.retry.max,
		Permanent: func(err error) bool { return errors.Is(err, errNoComposite) }}
	var crc uint32
	err := p.Do(ctx, func(ctx context.Context) error {
		var errs []error
		for _, addr := range b.addrs {
			resp, err := f.blockOp(ctx, addr, opBlockChecksum, req)
			if err == nil {
				if crc, err = parseBlockCRC(resp); err == nil || errors.Is(err, errNoComposite) {
					return err
				}
			}
			errs = append(errs, fmt.Errorf("DataNode %s: %w", addr, err))
		}
		return fmt.Errorf("block checksum at offset %d: %w", b.offset, errors.Join(errs...))
	})
	return crc, err
}

// parseBlockCRC reads a BlockOpResponseProto: status (1), message (5) and
// checksumResponse (3), an OpBlockChecksumResponseProto whose
// blockChecksum (3) is the block's CRC when its crcType (4) is CRC32C and
// its blockChecksumOptions (5) say COMPOSITE_CRC (a DataNode that does not
// know the option answers MD5CRC, without them).
func parseBlockCRC(resp []byte) (uint32, error) {
	status, ok := varintField(resp, 1)
	msg, _ := bytesField(resp, 5)
	cr, _ := bytesField(resp, 3)
	sum, _ := bytesField(cr, 3)
	crcType, _ := varintField(cr, 4)
	opts, _ := bytesField(cr, 5)
	kind, _ := varintField(opts, 1)
	switch {
	case !ok:
		return 0, errors.New("BLOCK_CHECKSUM answered no status")
	case status != 0:
		return 0, fmt.Errorf("status %d: %s", status, msg)
	case kind != compositeCRC:
		return 0, fmt.Errorf("%w: the DataNode answers MD5CRC only (before Hadoop 3.1)", errNoComposite)
	case crcType != checksumCRC32C:
		return 0, fmt.Errorf("%w: the block's chunks carry checksums of type %d, not CRC32C", errNoComposite, crcType)
	case len(sum) != 4:
		return 0, fmt.Errorf("a composite CRC of %d bytes, want 4", len(sum))
	}
	return binary.BigEndian.Uint32(sum), nil
}
