package hdfs

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The DataNode call of the composite CRC (composite.go), encoded by hand
// with protowire: colinmarc's client sends BLOCK_CHECKSUM without
// BlockChecksumOptionsProto, and the MD5CRC one of located.go takes none.

// blockOpTimeout bounds one DataNode op: a DataNode reads a block's
// checksum file (about 1 MiB for 128 MiB) to answer.
const blockOpTimeout = 2 * time.Minute

// blockOp sends a DataNode data-transfer op with its varint-delimited
// request to the DataNode at addr and returns its varint-delimited
// BlockOpResponseProto, within blockOpTimeout and ctx.
func (f *FS) blockOp(ctx context.Context, addr string, op byte, req []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, blockOpTimeout)
	defer cancel()
	conn, err := f.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })()
	if _, err := conn.Write(protowire.AppendBytes([]byte{0, dataTransferVersion, op}, req)); err != nil {
		return nil, errors.Join(ctx.Err(), err)
	}
	r := bufio.NewReader(conn)
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, errors.Join(ctx.Err(), err)
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("DataNode %s: answer of %d bytes: stream out of step", addr, n)
	}
	resp := make([]byte, n)
	if _, err := io.ReadFull(r, resp); err != nil {
		return nil, errors.Join(ctx.Err(), err)
	}
	return resp, nil
}

func pbString(b []byte, num protowire.Number, s string) []byte {
	return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), s)
}

func pbVarint(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}

func pbBytes(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}
