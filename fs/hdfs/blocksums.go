package hdfs

import (
	"crypto/md5"
	"encoding/binary"
	"hash"
	"hash/crc32"

	"github.com/jetcp/jetcp/fs"
)

// chunkSize is the client's bytes per checksum: it sends, and DataNodes
// keep, one CRC32C per 512 bytes of a block.
const chunkSize = 512

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// shift512 holds, per byte of a CRC, the CRC advanced over 512 zero bytes:
// the whole-file CRC32C grows by one full chunk with four lookups instead of
// a CombineCRC32C.
var shift512 = func() (t [4][256]uint32) {
	var basis [32]uint32
	for i := range basis {
		basis[i] = fs.CombineCRC32C(1<<i, 0, chunkSize)
	}
	for k := range t {
		for b := range 256 {
			var v uint32
			for bit := range 8 {
				if b&(1<<bit) != 0 {
					v ^= basis[8*k+bit]
				}
			}
			t[k][b] = v
		}
	}
	return t
}()

// blockSums follows the bytes a FileWriter sends: the CRC32C of each
// 512-byte chunk, as the client computes it for the DataNode, folded into
// each block's MD5 (the block checksum a DataNode serves, HDFS's MD5CRC)
// and into the CRC32C of the whole file. Comparing the file's MD5 of block
// MD5s with the DataNodes' then says the stored chunks are the ones sent,
// and the CRC32C derived from those same chunk CRCs is what the copy is
// checked against.
type blockSums struct {
	blockSize int64
	inBlock   int64  // bytes of the current block; 0: none started
	chunk     uint32 // CRC32C of the current chunk so far
	chunkLen  int
	crcs      []byte    // chunk CRCs not yet fed to blockMD5
	blockMD5  hash.Hash // of the current block
	blocks    []byte    // MD5s of the blocks so far
	whole     uint32    // CRC32C of the finished chunks
	size      int64
}

func newBlockSums(blockSize int64) *blockSums {
	return &blockSums{blockSize: blockSize, blockMD5: md5.New(), crcs: make([]byte, 0, 4096)}
}

func (s *blockSums) Write(b []byte) {
	s.size += int64(len(b))
	for len(b) > 0 {
		// Whole chunks straight from b, the common case.
		for s.chunkLen == 0 && len(b) >= chunkSize && s.blockSize-s.inBlock >= chunkSize {
			c := crc32.Checksum(b[:chunkSize], castagnoli)
			s.whole = shift512[0][byte(s.whole)] ^ shift512[1][byte(s.whole>>8)] ^
				shift512[2][byte(s.whole>>16)] ^ shift512[3][byte(s.whole>>24)] ^ c
			s.addCRC(c)
			s.inBlock += chunkSize
			b = b[chunkSize:]
			if s.inBlock == s.blockSize {
				s.endBlock()
			}
		}
		if len(b) == 0 {
			break
		}
		n := min(len(b), chunkSize-s.chunkLen, int(min(s.blockSize-s.inBlock, chunkSize)))
		s.chunk = crc32.Update(s.chunk, castagnoli, b[:n])
		s.chunkLen += n
		s.inBlock += int64(n)
		b = b[n:]
		if s.chunkLen == chunkSize || s.inBlock == s.blockSize {
			s.endChunk()
		}
		if s.inBlock == s.blockSize {
			s.endBlock()
		}
	}
}

// endChunk finishes a chunk written in pieces.
func (s *blockSums) endChunk() {
	s.whole = fs.CombineCRC32C(s.whole, s.chunk, int64(s.chunkLen))
	s.addCRC(s.chunk)
	s.chunk, s.chunkLen = 0, 0
}

func (s *blockSums) addCRC(c uint32) {
	s.crcs = binary.BigEndian.AppendUint32(s.crcs, c)
	if len(s.crcs) == cap(s.crcs) {
		s.blockMD5.Write(s.crcs)
		s.crcs = s.crcs[:0]
	}
}

func (s *blockSums) endBlock() {
	if s.chunkLen > 0 {
		s.endChunk()
	}
	s.blockMD5.Write(s.crcs)
	s.crcs = s.crcs[:0]
	s.blocks = s.blockMD5.Sum(s.blocks)
	s.blockMD5.Reset()
	s.inBlock = 0
}

// crc32c is the CRC32C of everything written so far.
func (s *blockSums) crc32c() fs.Checksum {
	return fs.CRC32C(fs.CombineCRC32C(s.whole, s.chunk, int64(s.chunkLen)))
}

// finish ends the last block and returns the file's checksum as the
// client's FileReader.Checksum computes it from the DataNodes' block
// checksums (fileMD5), and the whole file's CRC32C.
func (s *blockSums) finish() (md5sum []byte, crc fs.Checksum) {
	if s.inBlock > 0 {
		s.endBlock()
	}
	return fileMD5(s.blocks), fs.CRC32C(s.whole)
}

// fileMD5 is a file's checksum as the client's FileReader.Checksum makes
// it of its blocks' checksums: their MD5, the blocks' MD5s zero-padded to
// a power of two of at least 32 bytes.
func fileMD5(blocks []byte) []byte {
	padded := 32
	for padded < len(blocks) {
		padded *= 2
	}
	h := md5.New()
	h.Write(blocks)
	h.Write(make([]byte, padded-len(blocks)))
	return h.Sum(nil)
}
