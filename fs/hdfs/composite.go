package hdfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

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
	offset, size uint64
	block, token []byte   // its ExtendedBlockProto and TokenProto, as sent
	addrs        []string // its DataNodes' transfer addresses, nearest first
}

// errNoComposite says the file has no composite CRC32C to give: it is
// erasure-coded or in an encryption zone (the DataNodes' CRCs are not of
// its bytes), its chunks carry CRC32 rather than CRC32C, or a DataNode
// predates COMPOSITE_CRC. The caller reads instead.
var errNoComposite = errors.New("no COMPOSITE_CRC CRC32C")

const (
	opBlockChecksum   = 0x55
	compositeCRC      = 2 // BlockChecksumTypeProto.COMPOSITE_CRC
	checksumCRC32C    = 2 // ChecksumTypeProto.CHECKSUM_CRC32C
	statusSuccess     = 0
	locatedBlocksBody = 1 // GetBlockLocationsResponseProto.locations
)

// ServerChecksum implements fs.ServerChecksummer: the file's COMPOSITE_CRC
// CRC32C, from one getBlockLocations call (another from where an answer
// of part of the blocks ended) and one BLOCK_CHECKSUM op per block. ok is false where the file has none
// (errNoComposite), where it is not the file fi describes any more (being
// written, or of another length), and with Kerberos, whose SASL this
// package's own calls do not speak.
func (f *FS) ServerChecksum(ctx context.Context, fi fs.FileInfo) (fs.Checksum, bool, error) {
	if f.opts.KerberosClient != nil || fi.IsDir() {
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
		resp, err := f.nnCall(ctx, "getBlockLocations", req)
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
// LocatedBlocksProto's fileLength (1), blocks (2), underConstruction (3),
// fileEncryptionInfo (6) and ecPolicy (7).
func (f *FS) parseLocatedBlocks(resp []byte, size int64) ([]located, error) {
	var body []byte
	if err := pbFields(resp, func(num protowire.Number, _ uint64, bs []byte) {
		if num == locatedBlocksBody {
			body = bs
		}
	}); err != nil || body == nil {
		return nil, fmt.Errorf("getBlockLocations: no block locations in the answer (%v)", err)
	}
	var blocks []located
	var length uint64
	var building, other bool
	var errs []error
	err := pbFields(body, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 1:
			length = v
		case 2:
			b, err := f.parseLocatedBlock(bs)
			errs = append(errs, err)
			blocks = append(blocks, b)
		case 3:
			building = v != 0
		case 6, 7:
			other = true
		}
	})
	switch {
	case err != nil || errors.Join(errs...) != nil:
		return nil, fmt.Errorf("getBlockLocations: %w", errors.Join(err, errors.Join(errs...)))
	case other:
		return nil, fmt.Errorf("%w: the file is erasure-coded or encrypted", errNoComposite)
	case building || length != uint64(size):
		return nil, fmt.Errorf("%w: the file is being written or changed (%d bytes, listed with %d)", errNoComposite, length, size)
	}
	return blocks, nil
}

// parseLocatedBlock reads a LocatedBlockProto: b (1), offset (2), locs
// (3) and blockToken (5).
func (f *FS) parseLocatedBlock(m []byte) (located, error) {
	var b located
	var errs []error
	err := pbFields(m, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 1:
			b.block = bs
			errs = append(errs, pbFields(bs, func(num protowire.Number, v uint64, _ []byte) {
				if num == 4 { // ExtendedBlockProto.numBytes
					b.size = v
				}
			}))
		case 2:
			b.offset = v
		case 3:
			addr, err := f.xferAddr(bs)
			errs = append(errs, err)
			b.addrs = append(b.addrs, addr)
		case 5:
			b.token = bs
		}
	})
	return b, errors.Join(err, errors.Join(errs...))
}

// xferAddr is a DatanodeInfoProto's data-transfer address: its
// DatanodeIDProto's (1) ipAddr (1) or, with dfs.client.use.datanode.hostname,
// hostName (2), and xferPort (4).
func (f *FS) xferAddr(info []byte) (string, error) {
	var ip, host string
	var port uint64
	err := pbFields(info, func(num protowire.Number, _ uint64, id []byte) {
		if num != 1 {
			return
		}
		_ = pbFields(id, func(num protowire.Number, v uint64, bs []byte) {
			switch num {
			case 1:
				ip = string(bs)
			case 2:
				host = string(bs)
			case 4:
				port = v
			}
		})
	})
	if f.opts.UseDatanodeHostname {
		ip = host
	}
	return net.JoinHostPort(ip, strconv.FormatUint(port, 10)), err
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
	var status, crcType, kind uint64
	var msg string
	var sum []byte
	err := pbFields(resp, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 1:
			status = v
		case 5:
			msg = string(bs)
		case 3:
			_ = pbFields(bs, func(num protowire.Number, v uint64, bs []byte) {
				switch num {
				case 3:
					sum = bs
				case 4:
					crcType = v
				case 5:
					_ = pbFields(bs, func(num protowire.Number, v uint64, _ []byte) {
						if num == 1 {
							kind = v
						}
					})
				}
			})
		}
	})
	switch {
	case err != nil:
		return 0, err
	case status != statusSuccess:
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
