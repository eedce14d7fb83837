package hdfsemu

import (
	"bufio"
	"encoding/binary"
	"hash/crc32"
	"net"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

// BLOCK_CHECKSUM with BlockChecksumOptionsProto{COMPOSITE_CRC} answers the
// CRC32C of the block's bytes (of the first numBytes the request names),
// saying COMPOSITE_CRC and CRC32C; without the option it still answers
// MD5CRC; striped CRCs are refused as unsupported.
func TestCompositeCRC(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	data := randomBytes(2*testBlockSize+testBlockSize/3, 9)
	writeFile(t, cl, "/a", data)
	conn, r := rawRPC(t, c, testSuper)
	if _, err := conn.Write(rpcCall(t, 0, "getBlockLocations", &pb.GetBlockLocationsRequestProto{
		Src: proto.String("/a"), Offset: proto.Uint64(0), Length: proto.Uint64(uint64(len(data)))})); err != nil {
		t.Fatal(err)
	}
	locs := &pb.GetBlockLocationsResponseProto{}
	readReply(t, r, locs)
	blocks := locs.GetLocations().GetBlocks()
	if len(blocks) != 3 {
		t.Fatalf("%d blocks, want 3", len(blocks))
	}
	ask := func(blk *pb.ExtendedBlockProto, opts *pb.BlockChecksumOptionsProto) *pb.BlockOpResponseProto {
		t.Helper()
		dn, err := net.Dial("tcp", c.DataNodeAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer dn.Close()
		dn.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := appendDelimited([]byte{0, dataTransferVersion, opBlockChecksum},
			&pb.OpBlockChecksumProto{Header: &pb.BaseHeaderProto{Block: blk}, BlockChecksumOptions: opts})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dn.Write(req); err != nil {
			t.Fatal(err)
		}
		resp := &pb.BlockOpResponseProto{}
		if err := readDelimited(bufio.NewReader(dn), resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	composite := &pb.BlockChecksumOptionsProto{BlockChecksumType: pb.BlockChecksumTypeProto_COMPOSITE_CRC.Enum()}
	for i, lb := range blocks {
		off, n := lb.GetOffset(), lb.GetB().GetNumBytes()
		resp := ask(lb.GetB(), composite)
		cr := resp.GetChecksumResponse()
		want := crc32.Checksum(data[off:off+n], castagnoli)
		if resp.GetStatus() != pb.Status_SUCCESS || cr.GetCrcType() != pb.ChecksumTypeProto_CHECKSUM_CRC32C ||
			cr.GetBlockChecksumOptions().GetBlockChecksumType() != pb.BlockChecksumTypeProto_COMPOSITE_CRC ||
			len(cr.GetBlockChecksum()) != 4 || binary.BigEndian.Uint32(cr.GetBlockChecksum()) != want {
			t.Errorf("block %d: %v, want COMPOSITE_CRC %08x", i, resp, want)
		}
		part := proto.Clone(lb.GetB()).(*pb.ExtendedBlockProto)
		part.NumBytes = proto.Uint64(1000)
		if got := ask(part, composite).GetChecksumResponse().GetBlockChecksum(); len(got) != 4 ||
			binary.BigEndian.Uint32(got) != crc32.Checksum(data[off:off+1000], castagnoli) {
			t.Errorf("block %d, first 1000 bytes: %x", i, got)
		}
		if md5 := ask(lb.GetB(), nil).GetChecksumResponse(); len(md5.GetBlockChecksum()) != 16 || md5.GetBlockChecksumOptions() != nil {
			t.Errorf("block %d without options: %v, want an MD5CRC", i, md5)
		}
	}
	striped := &pb.BlockChecksumOptionsProto{BlockChecksumType: pb.BlockChecksumTypeProto_COMPOSITE_CRC.Enum(), StripeLength: proto.Uint64(512)}
	if st := ask(blocks[0].GetB(), striped).GetStatus(); st != pb.Status_ERROR_UNSUPPORTED {
		t.Errorf("striped composite CRC: status %v, want ERROR_UNSUPPORTED", st)
	}
}
