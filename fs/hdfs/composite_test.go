package hdfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
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
