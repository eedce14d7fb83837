package hdfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// md5md5crc is HDFS's file checksum computed the plain way: per block, the
// MD5 of its 512-byte chunks' big-endian CRC32Cs; then the MD5 of those,
// zero-padded to a power of two of at least 32 bytes.
func md5md5crc(b []byte, blockSize int) []byte {
	var blocks []byte
	for off := 0; off < len(b); off += blockSize {
		blk := b[off:min(off+blockSize, len(b))]
		var crcs []byte
		for c := 0; c < len(blk); c += chunkSize {
			crcs = binary.BigEndian.AppendUint32(crcs, crc32.Checksum(blk[c:min(c+chunkSize, len(blk))], castagnoli))
		}
		s := md5.Sum(crcs)
		blocks = append(blocks, s[:]...)
	}
	padded := 32
	for padded < len(blocks) {
		padded *= 2
	}
	s := md5.Sum(append(blocks, make([]byte, padded-len(blocks))...))
	return s[:]
}

// blockSums gives the plain computation's file checksum and the whole
// CRC32C, however the bytes arrive and wherever blocks and chunks end.
func TestBlockSums(t *testing.T) {
	b := data(7, 3<<20+777)
	for _, bs := range []int{1 << 20, 64 << 10, 4096, 1000, 512, 700} {
		for _, piece := range []int{len(b), 1 << 20, 100_003, 512, 4097, 1} {
			if piece == 1 && bs != 1000 {
				continue // byte by byte is slow; one block size covers it
			}
			for _, n := range []int{len(b), 0, 511, 512, 513, bs, 2*bs + 1} {
				in := b[:min(n, len(b))]
				s := newBlockSums(int64(bs))
				for off := 0; off < len(in); off += piece {
					s.Write(in[off:min(off+piece, len(in))])
				}
				if got, want := s.crc32c(), fs.CRC32C(crc32.Checksum(in, castagnoli)); got.String() != want.String() {
					t.Fatalf("block size %d, pieces of %d, %d bytes: CRC32C before finish %s, want %s", bs, piece, len(in), got, want)
				}
				gotMD5, gotCRC := s.finish()
				if want := md5md5crc(in, bs); !bytes.Equal(gotMD5, want) {
					t.Fatalf("block size %d, pieces of %d, %d bytes: file checksum %x, want %x", bs, piece, len(in), gotMD5, want)
				}
				if want := fs.CRC32C(crc32.Checksum(in, castagnoli)); gotCRC.String() != want.String() {
					t.Fatalf("block size %d, pieces of %d, %d bytes: CRC32C %s, want %s", bs, piece, len(in), gotCRC, want)
				}
			}
		}
	}
}

// CheckStored confirms a file from the DataNode's block checksums, and
// fails when the DataNode stored other bytes than it was sent (with
// checksums to match, so the file reads back without an error).
func TestCheckStored(t *testing.T) {
	ctx := context.Background()
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: fast})
	b := data(3, 5*(64<<10)/2+123) // 2.5 blocks of 64 KiB, a partial chunk

	check := func(p string) (int64, fs.Checksum, error) {
		t.Helper()
		w, err := f.Create(ctx, p, fs.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if got, want := w.(fs.ChecksummingWriter).Checksum(), fs.CRC32C(crc32.Checksum(b, castagnoli)); got.String() != want.String() {
			t.Fatalf("writer's checksum %s, want %s", got, want)
		}
		sc := w.(fs.StoreChecker)
		if _, _, err := sc.CheckStored(ctx); err == nil {
			t.Fatal("CheckStored before Close succeeded")
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return sc.CheckStored(ctx)
	}

	size, sum, err := check("/good")
	if err != nil || size != int64(len(b)) || sum.String() != fs.CRC32C(crc32.Checksum(b, castagnoli)).String() {
		t.Fatalf("CheckStored = %d, %s, %v; want %d, the bytes' CRC32C", size, sum, err, len(b))
	}

	c.SetFaults(hdfsemu.Faults{MisstoreRate: 1})
	_, _, err = check("/bad")
	c.SetFaults(hdfsemu.Faults{})
	if err == nil || !strings.Contains(err.Error(), "file checksum") {
		t.Fatalf("CheckStored of a misstored file: %v, want a file checksum mismatch", err)
	}
	got, err := readAll(ctx, f, "/bad")
	if err != nil || len(got) != len(b) || bytes.Equal(got, b) {
		t.Fatalf("the misstored file should read back whole and different: %d bytes, %v", len(got), err)
	}
}
