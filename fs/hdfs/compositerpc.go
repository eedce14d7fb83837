package hdfs

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/jetcp/jetcp/internal/retry"
)

// The wire calls of the composite CRC (composite.go), encoded by hand with
// protowire: colinmarc's client keeps its RPC connection and protobuf types
// internal, and sends BLOCK_CHECKSUM without BlockChecksumOptionsProto.
// getBlockLocations goes on a NameNode connection of its own per call
// (SIMPLE authentication only), tried in turn on the NameNodes while one
// answers StandbyException, and again with back-off while the connection
// fails or the NameNode answers RetriableException.

const (
	clientProtocolName = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
	// blockOpTimeout bounds one NameNode call or DataNode op: a DataNode
	// reads a block's checksum file (about 1 MiB for 128 MiB) to answer.
	blockOpTimeout = 2 * time.Minute
)

// nnAnswerError is a NameNode's error answer: the Java exception's class and
// message. It unwraps to the os error the client would give for it.
type nnAnswerError struct{ class, msg string }

func (e *nnAnswerError) Error() string {
	first, _, _ := strings.Cut(e.msg, "\n") // a Java stack trace may follow
	return fmt.Sprintf("%s (%s)", e.class, first)
}

func (e *nnAnswerError) Exception() string { return e.class }

func (e *nnAnswerError) Unwrap() error {
	switch {
	case strings.HasSuffix(e.class, ".FileNotFoundException"):
		return os.ErrNotExist
	case strings.HasSuffix(e.class, ".AccessControlException"):
		return os.ErrPermission
	}
	return nil
}

// nnCall sends one ClientProtocol request and returns the response
// message, riding out what Hadoop's client rides out.
func (f *FS) nnCall(ctx context.Context, method string, req []byte) ([]byte, error) {
	p := retry.Policy{Attempts: f.retry.attempts, Backoff: f.retry.first, Max: f.retry.max,
		Permanent: func(err error) bool { return !classify(err).retry }}
	var resp []byte
	err := p.Do(ctx, func(ctx context.Context) error {
		var err error
		for _, addr := range f.opts.Addresses {
			resp, err = f.nnCallAt(ctx, addr, method, req)
			var ne *nnAnswerError
			if !errors.As(err, &ne) || ne.class != exStandby {
				return err
			}
		}
		return err
	})
	return resp, err
}

// nnCallAt sends the request to the NameNode at addr on a new connection.
func (f *FS) nnCallAt(ctx context.Context, addr, method string, req []byte) ([]byte, error) {
	clientID := make([]byte, 16)
	rand.Read(clientID)
	// IpcConnectionContextProto: userInfo{effectiveUser}, protocol.
	cc := pbString(pbBytes(nil, 2, pbString(nil, 1, f.opts.User)), 3, clientProtocolName)
	out := []byte{'h', 'r', 'p', 'c', 9, 0, 0} // version 9, service class 0, SIMPLE
	out = rpcFrame(out, rpcRequestHeader(-3, clientID), cc)
	hdr := pbVarint(pbString(pbString(nil, 1, method), 2, clientProtocolName), 3, 1)
	out = rpcFrame(out, rpcRequestHeader(0, clientID), hdr, req)
	answer, err := f.roundTrip(ctx, addr, out, readFrame)
	if err != nil {
		return nil, err
	}
	return rpcAnswer(answer[4:])
}

// roundTrip sends out to addr on a connection of its own and returns what
// read takes from it, within blockOpTimeout and ctx.
func (f *FS) roundTrip(ctx context.Context, addr string, out []byte, read func(io.Reader) ([]byte, error)) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, blockOpTimeout)
	defer cancel()
	conn, err := f.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })()
	if _, err := conn.Write(out); err != nil {
		return nil, errors.Join(ctx.Err(), err)
	}
	b, err := read(conn)
	if err != nil {
		return nil, errors.Join(ctx.Err(), err)
	}
	return b, nil
}

// rpcRequestHeader is an RpcRequestHeaderProto: protocol buffers, final
// packet, the call id, the client id, retry count -1.
func rpcRequestHeader(callID int64, clientID []byte) []byte {
	b := pbVarint(pbVarint(nil, 1, 2), 2, 0)
	b = pbVarint(b, 3, protowire.EncodeZigZag(callID))
	b = protowire.AppendBytes(protowire.AppendTag(b, 4, protowire.BytesType), clientID)
	return pbVarint(b, 5, protowire.EncodeZigZag(-1))
}

// rpcFrame appends the varint-delimited msgs behind their total length.
func rpcFrame(out []byte, msgs ...[]byte) []byte {
	var body []byte
	for _, m := range msgs {
		body = protowire.AppendBytes(body, m)
	}
	return append(binary.BigEndian.AppendUint32(out, uint32(len(body))), body...)
}

// rpcAnswer checks an answer's RpcResponseHeaderProto (status, field 2: 0
// is SUCCESS; else exceptionClassName, 4, and errorMsg, 5) and returns the
// response message after it.
func rpcAnswer(b []byte) ([]byte, error) {
	hdr, k := protowire.ConsumeBytes(b)
	if k < 0 {
		return nil, errors.New("malformed RPC answer header")
	}
	var status uint64
	var ne nnAnswerError
	if err := pbFields(hdr, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 2:
			status = v
		case 4:
			ne.class = string(bs)
		case 5:
			ne.msg = string(bs)
		}
	}); err != nil {
		return nil, err
	}
	if status != 0 {
		return nil, &ne
	}
	body, n := protowire.ConsumeBytes(b[k:])
	if n < 0 {
		return nil, errors.New("malformed RPC answer")
	}
	return body, nil
}

// blockOp sends a DataNode data-transfer op (version 28) with its
// varint-delimited request to the DataNode at addr and returns its
// varint-delimited BlockOpResponseProto.
func (f *FS) blockOp(ctx context.Context, addr string, op byte, req []byte) ([]byte, error) {
	return f.roundTrip(ctx, addr, protowire.AppendBytes([]byte{0, 28, op}, req), func(conn io.Reader) ([]byte, error) {
		r := bufio.NewReader(conn)
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		if n > 1<<20 {
			return nil, fmt.Errorf("DataNode %s: answer of %d bytes: stream out of step", addr, n)
		}
		resp := make([]byte, n)
		_, err = io.ReadFull(r, resp)
		return resp, err
	})
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

// pbFields calls fn with every varint (v) or length-delimited (bs) field
// of message b, in order; fixed-width fields are skipped.
func pbFields(b []byte, fn func(num protowire.Number, v uint64, bs []byte)) error {
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 {
			return errors.New("malformed protobuf message")
		}
		b = b[k:]
		switch typ {
		case protowire.VarintType:
			var v uint64
			if v, k = protowire.ConsumeVarint(b); k >= 0 {
				fn(num, v, nil)
			}
		case protowire.BytesType:
			var bs []byte
			if bs, k = protowire.ConsumeBytes(b); k >= 0 {
				fn(num, 0, bs)
			}
		default:
			k = protowire.ConsumeFieldValue(num, typ, b)
		}
		if k < 0 {
			return errors.New("malformed protobuf message")
		}
		b = b[k:]
	}
	return nil
}
