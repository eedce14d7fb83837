package fs

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"
)

// AlgCRC32C is the whole-file CRC32C (Castagnoli): the one content checksum
// HDFS (COMPOSITE_CRC), COS (x-cos-hash-crc32c) and local files can all
// produce, so it compares across file systems.
const AlgCRC32C = "CRC32C"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// AlgCRC64ECMA is the whole-file CRC-64/XZ (ECMA-182 polynomial) COS
// keeps of every object, whatever wrote it (x-cos-hash-crc64ecma): what a
// source is compared with when the object keeps no CRC32C.
const AlgCRC64ECMA = "CRC64ECMA"

var crc64Table = crc64.MakeTable(crc64.ECMA)

// CRC64ECMA wraps a CRC64-ECMA as a Checksum (big-endian bytes).
func CRC64ECMA(sum uint64) Checksum {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(sum >> (56 - 8*i))
	}
	return Checksum{Algorithm: AlgCRC64ECMA, Value: b}
}

// Checksum is a content checksum with the algorithm that produced it.
// Checksums of different algorithms are incomparable, not unequal.
type Checksum struct {
	Algorithm string
	Value     []byte
}

// IsZero reports whether no checksum is present.
func (c Checksum) IsZero() bool { return c.Algorithm == "" }

// String renders "CRC32C:1a2b3c4d".
func (c Checksum) String() string {
	if c.IsZero() {
		return ""
	}
	return c.Algorithm + ":" + hex.EncodeToString(c.Value)
}

// ErrIncomparable says two checksums were made by different algorithms.
var ErrIncomparable = errors.New("checksums are of different algorithms")

// Equal compares two checksums, failing with ErrIncomparable when their
// algorithms differ or one is missing.
func (c Checksum) Equal(o Checksum) (bool, error) {
	if c.IsZero() || o.IsZero() || c.Algorithm != o.Algorithm {
		return false, fmt.Errorf("%q vs %q: %w", c.Algorithm, o.Algorithm, ErrIncomparable)
	}
	return string(c.Value) == string(o.Value), nil
}

// NewCRC32C returns a streaming whole-file CRC32C hash.
func NewCRC32C() hash.Hash32 { return crc32.New(castagnoli) }

// CRC32C wraps a finished hash.Hash32 as a Checksum (big-endian bytes, as
// HDFS and COS print it).
func CRC32C(sum uint32) Checksum {
	return Checksum{Algorithm: AlgCRC32C, Value: []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)}}
}

// ChecksumByReading computes the CRC32C of path by reading it all: the
// fallback for backends that store no checksum. size, the file's length as
// the caller's Stat saw it, sizes the buffer (most files are small).
func ChecksumByReading(ctx context.Context, fsys FS, path string, size int64) (Checksum, error) {
	return ChecksumByReadingAs(ctx, fsys, path, size, AlgCRC32C)
}

// ChecksumByReadingAs is ChecksumByReading with the algorithm to compute
// (AlgCRC32C or AlgCRC64ECMA): that of the checksum the other side keeps.
func ChecksumByReadingAs(ctx context.Context, fsys FS, path string, size int64, alg string) (Checksum, error) {
	var h hash.Hash
	switch alg {
	case AlgCRC32C:
		h = NewCRC32C()
	case AlgCRC64ECMA:
		h = crc64.New(crc64Table)
	default:
		return Checksum{}, fmt.Errorf("checksum %s: %q cannot be computed by reading: %w", path, alg, ErrIncomparable)
	}
	r, err := fsys.Open(ctx, path, 0)
	if err != nil {
		return Checksum{}, err
	}
	defer r.Close()
	buf := make([]byte, min(max(size+1, 512), 1<<20))
	if _, err := io.CopyBuffer(h, r, buf); err != nil {
		return Checksum{}, fmt.Errorf("checksum %s: %w", path, err)
	}
	return Checksum{Algorithm: alg, Value: h.Sum(nil)}, nil
}

// CombineCRC32C returns the CRC32C of A followed by B, given crcA, crcB and
// B's length, without the bytes (zlib's crc32_combine over GF(2)): a file
// copied in chunks gets its whole-file checksum from its chunks'.
func CombineCRC32C(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = 0x82f63b78 // the reflected Castagnoli polynomial: one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd)
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}

// Uint32 is a CRC32C checksum's value as a number (0 for other kinds).
func (c Checksum) Uint32() (uint32, bool) {
	if c.Algorithm != AlgCRC32C || len(c.Value) != 4 {
		return 0, false
	}
	return uint32(c.Value[0])<<24 | uint32(c.Value[1])<<16 | uint32(c.Value[2])<<8 | uint32(c.Value[3]), true
}

// ParseChecksum reads String's form back ("CRC32C:1a2b3c4d").
func ParseChecksum(s string) (Checksum, error) {
	alg, v, ok := strings.Cut(s, ":")
	b, err := hex.DecodeString(v)
	if !ok || alg == "" || err != nil {
		return Checksum{}, fmt.Errorf("checksum %q: want ALGORITHM:hex", s)
	}
	return Checksum{Algorithm: alg, Value: b}, nil
}
