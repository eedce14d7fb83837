package hdfsemu

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	hdfs "github.com/colinmarc/hdfs/v2"
	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

// within runs f and fails the test if it does not return in d.
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(d):
		t.Fatalf("call still running after %v (hang)", d)
		return nil
	}
}

func TestFaultRPCError(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	c.SetFaults(Faults{RPCErrorRate: 1})
	_, err := cl.Stat("/")
	var herr hdfs.Error
	if !errors.As(err, &herr) || herr.Exception() != exRetriable {
		t.Fatalf("Stat with RPCErrorRate 1: %v", err)
	}
	c.SetFaults(Faults{})
	if _, err := cl.Stat("/"); err != nil {
		t.Fatalf("Stat after faults were cleared: %v", err)
	}
}

func TestFaultLatency(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	writeFile(t, cl, "/f", []byte("some data"))
	const lat = 150 * time.Millisecond
	c.SetFaults(Faults{Latency: lat})
	start := time.Now()
	if _, err := cl.Stat("/f"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < lat {
		t.Errorf("Stat took %v with %v latency", d, lat)
	}
	// Open (getFileInfo) + read (getBlockLocations + READ_BLOCK): 3 delays.
	start = time.Now()
	if got := readFile(t, cl, "/f"); string(got) != "some data" {
		t.Errorf("read %q", got)
	}
	if d := time.Since(start); d < 3*lat {
		t.Errorf("read took %v with %v latency", d, lat)
	}
}

func TestFaultDropNameNode(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	c.SetFaults(Faults{DropRate: 1})
	err := within(t, 10*time.Second, func() error {
		_, err := cl.Stat("/")
		return err
	})
	if err == nil {
		t.Fatal("Stat succeeded with DropRate 1")
	}
	err = within(t, 10*time.Second, func() error { return cl.Mkdir("/x", 0o755) })
	if err == nil {
		t.Fatal("Mkdir succeeded with DropRate 1")
	}
}

func TestFaultDropDataNode(t *testing.T) {
	c := startCluster(t, Options{})
	cl := newClient(t, c, testSuper)
	writeFile(t, cl, "/f", randomBytes(200_000, 10))
	r, err := cl.Open("/f")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Checksum(); err != nil { // also fetches the block locations
		t.Fatal(err)
	}
	c.SetFaults(Faults{DropRate: 1})
	err = within(t, 10*time.Second, func() error {
		_, err := io.ReadAll(r)
		return err
	})
	if err == nil {
		t.Fatal("read succeeded with DropRate 1")
	}
}

// ---- raw protocol tests, with the emulator's own messages ----

func rawRPC(t *testing.T, c *Cluster, user string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", c.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	b := []byte{'h', 'r', 'p', 'c', 9, 0, 0}
	b = append(b, rpcPacket(t,
		&pb.RpcRequestHeaderProto{CallId: proto.Int32(-3), ClientId: []byte("0123456789abcdef")},
		&pb.IpcConnectionContextProto{UserInfo: &pb.UserInformationProto{EffectiveUser: proto.String(user)}, Protocol: proto.String(clientProtocolName)})...)
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

func rpcPacket(t *testing.T, msgs ...proto.Message) []byte {
	t.Helper()
	b := make([]byte, 4)
	var err error
	for _, m := range msgs {
		if b, err = appendDelimited(b, m); err != nil {
			t.Fatal(err)
		}
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func rpcCall(t *testing.T, id int32, method string, req proto.Message) []byte {
	return rpcPacket(t,
		&pb.RpcRequestHeaderProto{
			RpcKind:  pb.RpcKindProto_RPC_PROTOCOL_BUFFER.Enum(),
			RpcOp:    pb.RpcRequestHeaderProto_RPC_FINAL_PACKET.Enum(),
			CallId:   proto.Int32(id),
			ClientId: []byte("0123456789abcdef"),
		},
		&pb.RequestHeaderProto{MethodName: proto.String(method), DeclaringClassProtocolName: proto.String(clientProtocolName), ClientProtocolVersion: proto.Uint64(1)},
		req)
}

func readReply(t *testing.T, r *bufio.Reader, resp proto.Message) *pb.RpcResponseHeaderProto {
	t.Helper()
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint32(lb[:]))
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatal(err)
	}
	h := &pb.RpcResponseHeaderProto{}
	rest, err := nextDelimited(b, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) > 0 {
		if rest, err = nextDelimited(rest, resp); err != nil {
			t.Fatal(err)
		}
	}
	if len(rest) != 0 {
		t.Fatalf("%d trailing bytes in reply", len(rest))
	}
	return h
}

func TestRawRPCFraming(t *testing.T) {
	c := startCluster(t, Options{})
	conn, r := rawRPC(t, c, testSuper)
	// Three pipelined calls: answered in order with their call ids.
	var b []byte
	b = append(b, rpcCall(t, 7, "getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/")})...)
	b = append(b, rpcCall(t, 8, "concat", &pb.GetFileInfoRequestProto{Src: proto.String("/")})...)
	b = append(b, rpcCall(t, 9, "getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/missing")})...)
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	fi := &pb.GetFileInfoResponseProto{}
	h := readReply(t, r, fi)
	if h.GetCallId() != 7 || h.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || fi.GetFs().GetFileType() != pb.HdfsFileStatusProto_IS_DIR || fi.GetFs().GetOwner() != testSuper {
		t.Errorf("getFileInfo /: %v %v", h, fi)
	}
	h = readReply(t, r, &pb.GetFileInfoResponseProto{})
	if h.GetCallId() != 8 || h.GetStatus() != pb.RpcResponseHeaderProto_ERROR ||
		h.GetExceptionClassName() != exNoSuchMethod || h.GetErrorDetail() != pb.RpcResponseHeaderProto_ERROR_NO_SUCH_METHOD {
		t.Errorf("unknown method: %v", h)
	}
	fi = &pb.GetFileInfoResponseProto{}
	h = readReply(t, r, fi)
	if h.GetCallId() != 9 || h.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || fi.Fs != nil {
		t.Errorf("getFileInfo /missing: %v %v", h, fi)
	}
}

func TestRawWriteBlockBadChecksum(t *testing.T) {
	c := startCluster(t, Options{})
	for _, corrupt := range []bool{true, false} {
		conn, err := net.Dial("tcp", c.DataNodeAddr())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		id := uint64(4242)
		if !corrupt {
			id++
		}
		op := &pb.OpWriteBlockProto{
			Header: &pb.ClientOperationHeaderProto{
				BaseHeader: &pb.BaseHeaderProto{Block: extBlock(block{ID: id, GenStamp: 1001})},
				ClientName: proto.String("raw"),
			},
			Stage:                 pb.OpWriteBlockProto_PIPELINE_SETUP_CREATE.Enum(),
			PipelineSize:          proto.Uint32(0),
			MinBytesRcvd:          proto.Uint64(0),
			MaxBytesRcvd:          proto.Uint64(0),
			LatestGenerationStamp: proto.Uint64(0),
			RequestedChecksum:     &pb.ChecksumProto{Type: pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(), BytesPerChecksum: proto.Uint32(512)},
		}
		b, err := appendDelimited([]byte{0, dataTransferVersion, opWriteBlock}, op)
		if err != nil {
			t.Fatal(err)
		}
		data := randomBytes(1300, 11)
		sums := chunkChecksums(data)
		if corrupt {
			sums[5] ^= 0xff
		}
		w := bufio.NewWriter(conn)
		w.Write(b)
		writePacket(w, 0, 1, false, sums, data)
		writePacket(w, int64(len(data)), 2, true, nil, nil)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		resp := &pb.BlockOpResponseProto{}
		if err := readDelimited(r, resp); err != nil || resp.GetStatus() != pb.Status_SUCCESS {
			t.Fatalf("op response: %v %v", resp, err)
		}
		ack := &pb.PipelineAckProto{}
		if err := readDelimited(r, ack); err != nil {
			t.Fatal(err)
		}
		want := pb.Status_SUCCESS
		if corrupt {
			want = pb.Status_ERROR_CHECKSUM
		}
		if ack.GetSeqno() != 1 || len(ack.GetReply()) != 1 || ack.GetReply()[0] != want {
			t.Errorf("corrupt=%v: ack %v", corrupt, ack)
		}
		_, stored := c.dn.store.length(id)
		if !corrupt {
			if err := readDelimited(r, ack); err != nil || ack.GetSeqno() != 2 || ack.GetReply()[0] != pb.Status_SUCCESS {
				t.Errorf("last packet ack: %v %v", ack, err)
			}
			_, stored = c.dn.store.length(id)
		}
		if stored == corrupt {
			t.Errorf("corrupt=%v: block stored=%v", corrupt, stored)
		}
		conn.Close()
	}
}

// An answer lost after the call ran: the connection is cut, the call has
// happened. Sent again with the same client id and call id, an at-most-once
// call is answered from the retry cache; with a new call id it runs again.
// A repeated addBlock gets the same block.
func TestFaultLostReplyRetryCache(t *testing.T) {
	c := startCluster(t, Options{})
	lost := func(id int32, method string, req proto.Message) {
		t.Helper()
		c.SetFaults(Faults{LostReplyRate: 1})
		defer c.SetFaults(Faults{})
		conn, r := rawRPC(t, c, testSuper)
		if _, err := conn.Write(rpcCall(t, id, method, req)); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadByte(); err == nil {
			t.Fatalf("%s answered with LostReplyRate 1", method)
		}
	}
	create := &pb.CreateRequestProto{Src: proto.String("/f"), Masked: &pb.FsPermissionProto{Perm: proto.Uint32(0o644)},
		ClientName: proto.String("raw-client"), CreateFlag: proto.Uint32(uint32(pb.CreateFlagProto_CREATE)),
		CreateParent: proto.Bool(false), Replication: proto.Uint32(1), BlockSize: proto.Uint64(testBlockSize)}
	lost(5, "create", create)

	conn, r := rawRPC(t, c, testSuper)
	var b []byte
	b = append(b, rpcCall(t, 5, "create", create)...) // the same call again
	b = append(b, rpcCall(t, 6, "create", create)...) // a new call
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	cr := &pb.CreateResponseProto{}
	if h := readReply(t, r, cr); h.GetCallId() != 5 || h.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || cr.GetFs().GetFileId() == 0 {
		t.Fatalf("repeated create: %v %v", h, cr)
	}
	if h := readReply(t, r, &pb.CreateResponseProto{}); h.GetCallId() != 6 || h.GetExceptionClassName() != exAlreadyBeingCreated {
		t.Fatalf("new create of the same file: %v, want %s", h, exAlreadyBeingCreated)
	}

	add := &pb.AddBlockRequestProto{Src: proto.String("/f"), ClientName: proto.String("raw-client"), FileId: cr.GetFs().FileId}
	lost(7, "addBlock", add)
	if _, err := conn.Write(rpcCall(t, 8, "addBlock", add)); err != nil {
		t.Fatal(err)
	}
	ab := &pb.AddBlockResponseProto{}
	if h := readReply(t, r, ab); h.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS {
		t.Fatalf("addBlock again: %v", h)
	}
	c.nn.mu.Lock()
	n, _, _, _ := c.nn.ns.lookup(caller{user: testSuper, super: true}, "/f")
	blocks := slices.Clone(n.Blocks)
	c.nn.mu.Unlock()
	if len(blocks) != 1 || blocks[0].ID != ab.GetBlock().GetB().GetBlockId() {
		t.Fatalf("after a repeated addBlock the file has blocks %v (want only the one answered: %d)", blocks, ab.GetBlock().GetB().GetBlockId())
	}

	lost(9, "mkdirs", &pb.MkdirsRequestProto{Src: proto.String("/d"), Masked: &pb.FsPermissionProto{Perm: proto.Uint32(0o755)}, CreateParent: proto.Bool(false)})
	if _, err := conn.Write(rpcCall(t, 10, "getFileInfo", &pb.GetFileInfoRequestProto{Src: proto.String("/d")})); err != nil {
		t.Fatal(err)
	}
	fi := &pb.GetFileInfoResponseProto{}
	if h := readReply(t, r, fi); h.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS || fi.GetFs().GetFileType() != pb.HdfsFileStatusProto_IS_DIR {
		t.Fatalf("mkdirs whose answer was lost did not run: %v %v", h, fi)
	}
}
