package hdfsemu

import (
	"bufio"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net"

	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

const (
	dataTransferVersion = 28 // 0x1c
	opWriteBlock        = 80 // 0x50
	opReadBlock         = 81 // 0x51
	opBlockChecksum     = 85 // 0x55

	bytesPerChecksum = 512
	readPacketSize   = 64 << 10 // data bytes per READ_BLOCK packet
	maxPacketPayload = 16 << 20 // sanity limit on incoming packets
	datanodeUUID     = "hdfsemu-datanode-0000-000000000001"
	storageID        = "DS-hdfsemu-0000-000000000001"
	blockPoolID      = "BP-hdfsemu-127.0.0.1-1"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type dataNode struct {
	c     *Cluster
	ln    net.Listener
	store blockStore
	conns connSet
	done  chan struct{}
}

func newDataNode(c *Cluster, ln net.Listener, store blockStore) *dataNode {
	return &dataNode{c: c, ln: ln, store: store, done: make(chan struct{})}
}

func (d *dataNode) start() {
	go func() {
		defer close(d.done)
		serve(d.ln, &d.conns, d.handleConn)
	}()
}

func (d *dataNode) close() error {
	err := d.ln.Close()
	<-d.done
	d.conns.closeAll()
	return err
}

// usage is the bytes the store holds and what is left of fakeCapacity.
func (d *dataNode) usage() (used, remaining uint64) {
	used = uint64(d.store.used())
	if used < fakeCapacity {
		remaining = fakeCapacity - used
	}
	return used, remaining
}

// datanodeInfo describes this DataNode in LocatedBlockProtos.
func (d *dataNode) datanodeInfo() *pb.DatanodeInfoProto {
	addr := d.ln.Addr().(*net.TCPAddr)
	used, remaining := d.usage()
	return &pb.DatanodeInfoProto{
		Id: &pb.DatanodeIDProto{
			IpAddr:       proto.String(addr.IP.String()),
			HostName:     proto.String(addr.IP.String()),
			DatanodeUuid: proto.String(datanodeUUID),
			XferPort:     proto.Uint32(uint32(addr.Port)),
			InfoPort:     proto.Uint32(0),
			IpcPort:      proto.Uint32(0),
		},
		Capacity:      proto.Uint64(fakeCapacity),
		DfsUsed:       proto.Uint64(used),
		Remaining:     proto.Uint64(remaining),
		BlockPoolUsed: proto.Uint64(used),
		AdminState:    pb.DatanodeInfoProto_NORMAL.Enum(),
	}
}

func (d *dataNode) handleConn(conn net.Conn) {
	r := bufio.NewReaderSize(conn, 128<<10)
	w := bufio.NewWriterSize(conn, 128<<10)
	for {
		var hdr [3]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		if v := binary.BigEndian.Uint16(hdr[:2]); v != dataTransferVersion {
			// Could be a trailing ClientReadStatusProto after a read:
			// varint length + message. Anything else is a protocol error.
			if hdr[0] > 0 && hdr[0] < 16 && int(hdr[0]) >= 2 {
				rest := make([]byte, int(hdr[0])-2)
				if _, err := io.ReadFull(r, rest); err != nil {
					return
				}
				continue
			}
			return
		}
		if drop, _ := d.c.injectedFault(); drop {
			return
		}
		d.c.stats.op(hdr[2])
		var err error
		switch hdr[2] {
		case opWriteBlock:
			err = d.writeBlock(r, w)
		case opReadBlock:
			d.c.blockReads.Add(1)
			err = d.readBlock(r, w)
		case opBlockChecksum:
			err = d.blockChecksum(r, w)
		default:
			err = sendDelimited(w, &pb.BlockOpResponseProto{
				Status:       pb.Status_ERROR_UNSUPPORTED.Enum(),
				FirstBadLink: proto.String(""),
				Message:      proto.String(fmt.Sprintf("unsupported data transfer op %d", hdr[2])),
			})
			if err == nil {
				err = errors.New("unsupported op")
			}
		}
		if err != nil {
			return
		}
	}
}

func readDelimited(r *bufio.Reader, m proto.Message) error {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err
	}
	if n > maxPacketPayload {
		return errors.New("message too large")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	return proto.Unmarshal(b, m)
}

func sendDelimited(w *bufio.Writer, m proto.Message) error {
	b, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	w.Write(binary.AppendUvarint(nil, uint64(len(b))))
	w.Write(b)
	return w.Flush()
}

func opError(w *bufio.Writer, st pb.Status, msg string) error {
	err := sendDelimited(w, &pb.BlockOpResponseProto{
		Status:       st.Enum(),
		FirstBadLink: proto.String(""),
		Message:      proto.String(msg),
	})
	if err != nil {
		return err
	}
	return errors.New(msg)
}

func checksumTable(t pb.ChecksumTypeProto) (*crc32.Table, error) {
	switch t {
	case pb.ChecksumTypeProto_CHECKSUM_CRC32C:
		return castagnoli, nil
	case pb.ChecksumTypeProto_CHECKSUM_CRC32:
		return crc32.IEEETable, nil
	case pb.ChecksumTypeProto_CHECKSUM_NULL:
		return nil, nil
	}
	return nil, fmt.Errorf("unsupported checksum type %v", t)
}

// writeBlock receives a block (WRITE_BLOCK): op response, then packets, each
// acknowledged after its checksums were verified; the replica is committed
// when the last (empty) packet arrives, before that packet's ack.
func (d *dataNode) writeBlock(r *bufio.Reader, w *bufio.Writer) error {
	op := &pb.OpWriteBlockProto{}
	if err := readDelimited(r, op); err != nil {
		return err
	}
	blk := op.GetHeader().GetBaseHeader().GetBlock()
	id := blk.GetBlockId()
	sum := op.GetRequestedChecksum()
	tab, err := checksumTable(sum.GetType())
	if err != nil {
		return opError(w, pb.Status_ERROR_UNSUPPORTED, err.Error())
	}
	bpc := int(sum.GetBytesPerChecksum())
	if tab != nil && bpc <= 0 {
		return opError(w, pb.Status_ERROR_INVALID, "bytesPerChecksum must be positive")
	}
	if len(op.GetTargets()) > 0 {
		return opError(w, pb.Status_ERROR, "hdfsemu has a single DataNode: pipelines with targets are not supported")
	}

	var rw replicaWriter
	var offset int64
	switch op.GetStage() {
	case pb.OpWriteBlockProto_PIPELINE_SETUP_CREATE:
		if _, exists := d.store.length(id); exists {
			return opError(w, pb.Status_ERROR_EXISTS, fmt.Sprintf("block %d already exists", id))
		}
		rw, err = d.store.create(id)
	case pb.OpWriteBlockProto_PIPELINE_SETUP_APPEND:
		rw, offset, err = d.store.appendTo(id)
		if err == nil && uint64(offset) != op.GetMinBytesRcvd() {
			rw.abort()
			return opError(w, pb.Status_ERROR, fmt.Sprintf("block %d has %d bytes, client expects %d", id, offset, op.GetMinBytesRcvd()))
		}
	default:
		return opError(w, pb.Status_ERROR_UNSUPPORTED, fmt.Sprintf("unsupported block construction stage %v", op.GetStage()))
	}
	if err != nil {
		return opError(w, pb.Status_ERROR, fmt.Sprintf("block %d: %v", id, err))
	}
	committed := false
	defer func() {
		if !committed {
			rw.abort()
		}
	}()
	// A new replica keeps its block checksum, made from the chunk CRCs as
	// they arrive (a DataNode's meta file). An appended one is computed
	// from its data when asked for.
	var meta hash.Hash
	if op.GetStage() == pb.OpWriteBlockProto_PIPELINE_SETUP_CREATE && tab == castagnoli && bpc == bytesPerChecksum {
		meta = md5.New()
	}

	if err := sendDelimited(w, &pb.BlockOpResponseProto{
		Status:       pb.Status_SUCCESS.Enum(),
		FirstBadLink: proto.String(""),
	}); err != nil {
		return err
	}

	ack := func(seqno int64, st pb.Status) error {
		return sendDelimited(w, &pb.PipelineAckProto{
			Seqno:                  proto.Int64(seqno),
			Reply:                  []pb.Status{st},
			DownstreamAckTimeNanos: proto.Uint64(0),
		})
	}

	var lenBuf [6]byte
	for {
		if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
			return err
		}
		payloadLen := int(binary.BigEndian.Uint32(lenBuf[:4]))
		hdrLen := int(binary.BigEndian.Uint16(lenBuf[4:]))
		if payloadLen < 4 || payloadLen > maxPacketPayload {
			return fmt.Errorf("bad packet length %d", payloadLen)
		}
		hb := make([]byte, hdrLen)
		if _, err := io.ReadFull(r, hb); err != nil {
			return err
		}
		ph := &pb.PacketHeaderProto{}
		if err := proto.Unmarshal(hb, ph); err != nil {
			return err
		}
		dataLen := int(ph.GetDataLen())
		sumLen := payloadLen - 4 - dataLen
		if dataLen < 0 || sumLen < 0 {
			return fmt.Errorf("bad packet: length %d, data %d", payloadLen, dataLen)
		}
		body := make([]byte, sumLen+dataLen)
		if _, err := io.ReadFull(r, body); err != nil {
			return err
		}
		sums, data := body[:sumLen], body[sumLen:]

		if ph.GetSeqno() == -1 { // heartbeat
			if err := ack(-1, pb.Status_SUCCESS); err != nil {
				return err
			}
			continue
		}
		if ph.GetOffsetInBlock() != offset && dataLen > 0 {
			ack(ph.GetSeqno(), pb.Status_ERROR)
			return fmt.Errorf("packet at offset %d, expected %d", ph.GetOffsetInBlock(), offset)
		}
		if tab != nil {
			chunks := (dataLen + bpc - 1) / bpc
			if sumLen != 4*chunks {
				ack(ph.GetSeqno(), pb.Status_ERROR_CHECKSUM)
				return fmt.Errorf("packet has %d checksum bytes for %d chunks", sumLen, chunks)
			}
			for i := 0; i < chunks; i++ {
				end := min((i+1)*bpc, dataLen)
				if crc32.Checksum(data[i*bpc:end], tab) != binary.BigEndian.Uint32(sums[4*i:]) {
					ack(ph.GetSeqno(), pb.Status_ERROR_CHECKSUM)
					return fmt.Errorf("checksum error in block %d at offset %d", id, offset+int64(i*bpc))
				}
			}
		}
		if dataLen > 0 && d.c.misstore() {
			// A faulty DataNode: one byte stored wrong, with a checksum
			// to match, so the block reads back without an error.
			data[0] ^= 0xff
			if tab != nil {
				binary.BigEndian.PutUint32(sums, crc32.Checksum(data[:min(bpc, dataLen)], tab))
			}
		}
		if _, err := rw.Write(data); err != nil {
			ack(ph.GetSeqno(), pb.Status_ERROR)
			return err
		}
		if meta != nil {
			meta.Write(sums)
		}
		offset += int64(dataLen)
		if ph.GetLastPacketInBlock() {
			committed = true
			var sum []byte
			if meta != nil {
				sum = meta.Sum(nil)
			}
			if err := rw.commit(sum); err != nil {
				ack(ph.GetSeqno(), pb.Status_ERROR)
				return err
			}
			return ack(ph.GetSeqno(), pb.Status_SUCCESS)
		}
		if err := ack(ph.GetSeqno(), pb.Status_SUCCESS); err != nil {
			return err
		}
	}
}

// readBlock serves READ_BLOCK: op response with the checksum info, packets
// from the chunk boundary at or before the requested offset, then an empty
// last packet.
func (d *dataNode) readBlock(r *bufio.Reader, w *bufio.Writer) error {
	op := &pb.OpReadBlockProto{}
	if err := readDelimited(r, op); err != nil {
		return err
	}
	id := op.GetHeader().GetBaseHeader().GetBlock().GetBlockId()
	rep, err := d.store.open(id)
	if err != nil {
		return opError(w, pb.Status_ERROR, fmt.Sprintf("block %d: %v", id, err))
	}
	defer rep.Close()
	size := rep.size()
	off, n := int64(op.GetOffset()), int64(op.GetLen())
	if off < 0 || n < 0 || off > size || off+n > size {
		return opError(w, pb.Status_ERROR_INVALID, fmt.Sprintf("offset %d and length %d don't match block %d of %d bytes", off, n, id, size))
	}
	sendSums := op.GetSendChecksums()
	ctype := pb.ChecksumTypeProto_CHECKSUM_CRC32C
	if !sendSums {
		ctype = pb.ChecksumTypeProto_CHECKSUM_NULL
	}
	start := off - off%bytesPerChecksum
	end := off + n
	if rem := end % bytesPerChecksum; rem != 0 {
		end = min(end+bytesPerChecksum-rem, size)
	}
	if err := sendDelimited(w, &pb.BlockOpResponseProto{
		Status:       pb.Status_SUCCESS.Enum(),
		FirstBadLink: proto.String(""),
		ReadOpChecksumInfo: &pb.ReadOpChecksumInfoProto{
			Checksum: &pb.ChecksumProto{
				Type:             ctype.Enum(),
				BytesPerChecksum: proto.Uint32(bytesPerChecksum),
			},
			ChunkOffset: proto.Uint64(uint64(start)),
		},
	}); err != nil {
		return err
	}

	buf := make([]byte, readPacketSize)
	seqno := int64(0)
	for pos := start; pos < end; {
		k := min(int64(readPacketSize), end-pos)
		data := buf[:k]
		if _, err := rep.ReadAt(data, pos); err != nil && !(errors.Is(err, io.EOF) && int64(len(data)) == k) {
			return err
		}
		var sums []byte
		if sendSums {
			sums = chunkChecksums(data)
		}
		if err := writePacket(w, pos, seqno, false, sums, data); err != nil {
			return err
		}
		pos += k
		seqno++
	}
	if err := writePacket(w, end, seqno, true, nil, nil); err != nil {
		return err
	}
	return w.Flush()
}

func chunkChecksums(data []byte) []byte {
	chunks := (len(data) + bytesPerChecksum - 1) / bytesPerChecksum
	sums := make([]byte, 0, 4*chunks)
	for i := 0; i < len(data); i += bytesPerChecksum {
		sums = binary.BigEndian.AppendUint32(sums, crc32.Checksum(data[i:min(i+bytesPerChecksum, len(data))], castagnoli))
	}
	return sums
}

// writePacket writes one data packet: uint32 payload length (counting its own
// 4 bytes, checksums and data, not the header), uint16 header length,
// PacketHeaderProto, checksums, data.
func writePacket(w *bufio.Writer, offset, seqno int64, last bool, sums, data []byte) error {
	hb, err := proto.Marshal(&pb.PacketHeaderProto{
		OffsetInBlock:     proto.Int64(offset),
		Seqno:             proto.Int64(seqno),
		LastPacketInBlock: proto.Bool(last),
		DataLen:           proto.Int32(int32(len(data))),
	})
	if err != nil {
		return err
	}
	var hdr [6]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(4+len(sums)+len(data)))
	binary.BigEndian.PutUint16(hdr[4:], uint16(len(hb)))
	w.Write(hdr[:])
	w.Write(hb)
	w.Write(sums)
	_, err = w.Write(data)
	return err
}

// blockChecksum serves BLOCK_CHECKSUM: with COMPOSITE_CRC asked for (its
// BlockChecksumOptionsProto), compositeCRC; else like HDFS's MD5CRC: the
// MD5 of the big-endian CRC32C checksums of the block's 512-byte chunks. Like a
// DataNode it answers from the checksums kept with the replica, and
// computes them from the data only for a replica that has none.
func (d *dataNode) blockChecksum(r *bufio.Reader, w *bufio.Writer) error {
	op := &pb.OpBlockChecksumProto{}
	if err := readDelimited(r, op); err != nil {
		return err
	}
	id := op.GetHeader().GetBlock().GetBlockId()
	rep, err := d.store.open(id)
	if err != nil {
		return opError(w, pb.Status_ERROR, fmt.Sprintf("block %d: %v", id, err))
	}
	defer rep.Close()
	size := rep.size()
	if opts := op.GetBlockChecksumOptions(); opts.GetBlockChecksumType() == pb.BlockChecksumTypeProto_COMPOSITE_CRC {
		n := size
		if b := op.GetHeader().GetBlock(); b.NumBytes != nil && b.GetNumBytes() < uint64(size) {
			n = int64(b.GetNumBytes())
		}
		return compositeCRC(w, rep, n, int64(opts.GetStripeLength()))
	}
	sum := rep.checksum()
	if sum == nil {
		h := md5.New()
		if err := eachPiece(rep, size, func(b []byte) { h.Write(chunkChecksums(b)) }); err != nil {
			return opError(w, pb.Status_ERROR, err.Error())
		}
		sum = h.Sum(nil)
	}
	return sendDelimited(w, &pb.BlockOpResponseProto{
		Status:       pb.Status_SUCCESS.Enum(),
		FirstBadLink: proto.String(""),
		ChecksumResponse: &pb.OpBlockChecksumResponseProto{
			BytesPerCrc:   proto.Uint32(bytesPerChecksum),
			CrcPerBlock:   proto.Uint64(uint64((size + bytesPerChecksum - 1) / bytesPerChecksum)),
			BlockChecksum: sum,
			CrcType:       pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(),
		},
	})
}

// compositeCRC answers BLOCK_CHECKSUM with COMPOSITE_CRC, as a DataNode
// does (BlockChecksumHelper.computeCompositeCrc): the CRC32C of the
// block's first n bytes. A DataNode composes it from the chunk CRCs it
// keeps; the emulator computes it from the data, which gives the same
// value and keeps the client's composition honest. Striped CRCs (one per
// stripeLength bytes, for erasure-coded block groups) are not served.
func compositeCRC(w *bufio.Writer, rep replica, n, stripe int64) error {
	if stripe > 0 && stripe < n {
		return opError(w, pb.Status_ERROR_UNSUPPORTED, "hdfsemu serves no striped composite CRCs")
	}
	var crc uint32
	if err := eachPiece(rep, n, func(b []byte) { crc = crc32.Update(crc, castagnoli, b) }); err != nil {
		return opError(w, pb.Status_ERROR, err.Error())
	}
	return sendDelimited(w, &pb.BlockOpResponseProto{
		Status:       pb.Status_SUCCESS.Enum(),
		FirstBadLink: proto.String(""),
		ChecksumResponse: &pb.OpBlockChecksumResponseProto{
			BytesPerCrc:   proto.Uint32(bytesPerChecksum),
			CrcPerBlock:   proto.Uint64(uint64((n + bytesPerChecksum - 1) / bytesPerChecksum)),
			BlockChecksum: binary.BigEndian.AppendUint32(nil, crc),
			CrcType:       pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(),
			BlockChecksumOptions: &pb.BlockChecksumOptionsProto{
				BlockChecksumType: pb.BlockChecksumTypeProto_COMPOSITE_CRC.Enum(),
			},
		},
	})
}

// eachPiece hands the replica's first n bytes to fn in pieces of
// readPacketSize (a whole number of chunks).
func eachPiece(rep replica, n int64, fn func([]byte)) error {
	buf := make([]byte, readPacketSize)
	for pos := int64(0); pos < n; {
		k := min(int64(len(buf)), n-pos)
		if _, err := rep.ReadAt(buf[:k], pos); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		fn(buf[:k])
		pos += k
	}
	return nil
}
