package hdfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// The composite CRC of a file equals the CRC32C of its bytes, for no
// bytes, less than a chunk, a chunk and a bit, and blocks with a partial
// last one, with no block data read: one getBlockLocations per file and
// one BLOCK_CHECKSUM per block. A directory has none.
func TestServerChecksum(t *testing.T) {
	const blockSize = 4096
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: blockSize, Superuser: "tester"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	f, err := New(ctx, "hdfs://"+c.Addr(), Config{Addresses: []string{c.Addr()}, User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Mkdir(ctx, "/composite", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 100, 513, blockSize, 3*blockSize + 777} {
		b := data(n, n)
		p := fmt.Sprintf("/composite/f%d", n)
		if err := writeAll(ctx, f, p, b); err != nil {
			t.Fatal(err)
		}
		fi, err := f.Stat(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		before := c.Stats()
		sum, ok, err := fs.ServerChecksum(ctx, f, fi)
		if err != nil || !ok {
			t.Fatalf("%d bytes: ServerChecksum: %v, ok %v", n, err, ok)
		}
		if want := fs.CRC32C(crc32.Checksum(b, castagnoli)); sum.String() != want.String() {
			t.Errorf("%d bytes: composite CRC %s, want %s", n, sum, want)
		}
		d := c.Stats().Sub(before)
		blocks := int64((n + blockSize - 1) / blockSize)
		wantNN := int64(1)
		if n == 0 {
			wantNN = 0
		}
		if d.DataNode["READ_BLOCK"] != 0 || d.DataNode["BLOCK_CHECKSUM"] != blocks || d.NameNode["getBlockLocations"] != wantNN || d.RPCs() != wantNN {
			t.Errorf("%d bytes (%d blocks): served %v, want %d BLOCK_CHECKSUM and %d getBlockLocations only", n, blocks, d, blocks, wantNN)
		}
	}
	dir, err := f.Stat(ctx, "/composite")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.ServerChecksum(ctx, dir); ok || err != nil {
		t.Errorf("a directory's composite CRC: ok %v, %v", ok, err)
	}
	// A file that changed since it was listed has none (not a wrong one).
	fi, _ := f.Stat(ctx, "/composite/f100")
	fi.Size++
	if _, ok, err := f.ServerChecksum(ctx, fi); ok || err != nil {
		t.Errorf("composite CRC of a file listed with another length: ok %v, %v", ok, err)
	}
	fi.Path = "/composite/none"
	if _, _, err := f.ServerChecksum(ctx, fi); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("composite CRC of a missing file: %v, want fs.ErrNotExist", err)
	}
}

// A DataNode's answer gives a CRC only when it is a COMPOSITE_CRC of
// CRC32C chunks: an older DataNode's MD5CRC, or CRC32 chunks, give none
// (errNoComposite, so the caller reads), an error status is an error.
func TestParseBlockCRC(t *testing.T) {
	answer := func(status, crcType, kind uint64, sum []byte) []byte {
		r := pbVarint(pbVarint(pbBytes(nil, 3, sum), 4, crcType), 1, 512)
		if kind != 0 {
			r = pbBytes(r, 5, pbVarint(nil, 1, kind))
		}
		return pbString(pbBytes(pbVarint(nil, 1, status), 3, r), 5, "why")
	}
	crc := binary.BigEndian.AppendUint32(nil, 0xdeadbeef)
	if got, err := parseBlockCRC(answer(0, 2, 2, crc)); err != nil || got != 0xdeadbeef {
		t.Errorf("composite: %x, %v", got, err)
	}
	for name, a := range map[string][]byte{
		"MD5CRC":         answer(0, 2, 0, make([]byte, 16)),
		"MD5CRC, said":   answer(0, 2, 1, make([]byte, 16)),
		"CRC32 chunks":   answer(0, 1, 2, crc),
		"not a protobuf": protowire.AppendTag(nil, 1, protowire.BytesType),
		"error status":   answer(1, 2, 2, crc),
	} {
		_, err := parseBlockCRC(a)
		wantNone := name == "MD5CRC" || name == "MD5CRC, said" || name == "CRC32 chunks"
		if err == nil || errors.Is(err, errNoComposite) != wantNone {
			t.Errorf("%s: %v (want errNoComposite: %v)", name, err, wantNone)
		}
	}
}

// A DataNode that cannot be reached is passed over for the next holding
// the block, and NameNode RPCs and DataNode ops cut or refused now and
// then are tried again: the composite CRC is still the bytes' CRC32C.
func TestServerChecksumRidesOutFailures(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: fast})
	ctx := context.Background()
	b := data(3, 3*(64<<10)+100)
	if err := writeAll(ctx, f, "/f", b); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat(ctx, "/f")
	if err != nil {
		t.Fatal(err)
	}
	want := crc32.Checksum(b, castagnoli)

	blocks, err := f.blockLocations(ctx, fi)
	if err != nil || len(blocks) != 4 {
		t.Fatalf("block locations: %d blocks, %v; want 4", len(blocks), err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now
	var crc uint32
	for _, blk := range blocks {
		blk.addrs = append([]string{dead}, blk.addrs...)
		got, err := f.blockCRC(ctx, blk)
		if err != nil {
			t.Fatalf("block at %d with a dead DataNode first: %v", blk.offset, err)
		}
		crc = fs.CombineCRC32C(crc, got, int64(blk.size))
	}
	if crc != want {
		t.Errorf("CRC from the second DataNodes %08x, want %08x", crc, want)
	}

	before := c.Stats()
	c.SetFaults(hdfsemu.Faults{RPCErrorRate: 0.1, DropRate: 0.1})
	for range 20 {
		sum, ok, err := f.ServerChecksum(ctx, fi)
		if err != nil || !ok || sum.String() != fs.CRC32C(want).String() {
			t.Fatalf("with faults: %s, ok %v, %v; want %s", sum, ok, err, fs.CRC32C(want))
		}
	}
	c.SetFaults(hdfsemu.Faults{})
	if d := c.Stats().Sub(before); d.DataNode["BLOCK_CHECKSUM"] < 80 || d.DataNode["READ_BLOCK"] != 0 {
		t.Errorf("DataNode ops with faults %v: want at least 80 BLOCK_CHECKSUM, no READ_BLOCK", d.DataNode)
	}
}

// The composite CRC against reading a 64 MiB file of 8 blocks for its
// CRC32C, on the emulator (whose DataNode computes the block CRCs from
// the data in memory, where a real one reads only the chunk CRCs it keeps:
// about 0.8 % of the block). The bytes that cross the network are the
// point: a few hundred per block against the whole file.
func BenchmarkServerChecksum(b *testing.B) {
	const blockSize, size = 8 << 20, 64 << 20
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: blockSize, Superuser: "bench"}, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	ctx := context.Background()
	f, err := New(ctx, "hdfs://"+c.Addr(), Config{Addresses: []string{c.Addr()}, User: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if err := writeAll(ctx, f, "/big", data(1, size)); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat(ctx, "/big")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("composite", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, ok, err := f.ServerChecksum(ctx, fi); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := fs.ChecksumByReading(ctx, f, "/big", size); err != nil {
				b.Fatal(err)
			}
		}
	})
}
