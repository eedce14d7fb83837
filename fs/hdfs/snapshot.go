package hdfs

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	iofs "io/fs"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/jetcp/jetcp/fs"
)

// Snapshots (fs.Snapshotter). colinmarc's client sends none of the
// snapshot RPCs and keeps its RPC connection and protobuf types internal,
// so FS speaks them itself, on a connection of its own per call, with the
// messages encoded by hand (protowire): allowSnapshot, createSnapshot,
// deleteSnapshot and getSnapshotDiffReportListing (paged, Hadoop 3.1+),
// whose listing is turned into the report the way Hadoop's client does
// (SnapshotDiffReportGenerator). Only SIMPLE authentication: with
// Kerberos the calls fail with errors.ErrUnsupported.

const (
	clientProtocol = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
	exFileNotFound = "java.io.FileNotFoundException"
	exSnapshot     = "org.apache.hadoop.hdfs.protocol.SnapshotException"
	snapshotCallID = 0
	// snapshotRPCTimeout bounds one snapshot RPC: a diff report page is
	// computed by the NameNode under its lock, in well under this.
	snapshotRPCTimeout = 2 * time.Minute
)

// remoteError is a NameNode's error answer.
type remoteError struct {
	class, msg string
}

func (e *remoteError) Error() string {
	if i := strings.IndexByte(e.msg, '\n'); i >= 0 {
		return e.msg[:i]
	}
	return e.msg
}

func (e *remoteError) Unwrap() error {
	if e.class == exFileNotFound || (e.class == exSnapshot && strings.Contains(e.msg, "Cannot find the snapshot")) {
		return iofs.ErrNotExist
	}
	return nil
}

// CreateSnapshot allows snapshots on dir (as `hdfs dfsadmin
// -allowSnapshot`, which needs the superuser; a dir already allowed is
// fine) and makes snapshot name.
func (f *FS) CreateSnapshot(ctx context.Context, dir, name string) error {
	if _, err := f.snapshotRPC(ctx, "allowSnapshot", appendString(nil, 1, dir)); err != nil {
		return fmt.Errorf("allow snapshots on %s%s: %w", f.name, dir, err)
	}
	req := appendString(appendString(nil, 1, dir), 2, name)
	if _, err := f.snapshotRPC(ctx, "createSnapshot", req); err != nil {
		return fmt.Errorf("create snapshot %s of %s%s: %w", name, f.name, dir, err)
	}
	return nil
}

// DeleteSnapshot deletes snapshot name of dir.
func (f *FS) DeleteSnapshot(ctx context.Context, dir, name string) error {
	req := appendString(appendString(nil, 1, dir), 2, name)
	if _, err := f.snapshotRPC(ctx, "deleteSnapshot", req); err != nil {
		return fmt.Errorf("delete snapshot %s of %s%s: %w", name, f.name, dir, err)
	}
	return nil
}

// SnapshotDiff reads the listing page by page and turns it into a report.
func (f *FS) SnapshotDiff(ctx context.Context, dir, from, to string) ([]fs.DiffEntry, error) {
	var l diffListing
	cursor := []byte(nil)
	for pages := 0; ; pages++ {
		req := appendString(appendString(appendString(nil, 1, dir), 2, from), 3, to)
		if cursor != nil {
			req = protowire.AppendTag(req, 4, protowire.BytesType)
			req = protowire.AppendBytes(req, cursor)
		}
		resp, err := f.snapshotRPC(ctx, "getSnapshotDiffReportListing", req)
		if err != nil {
			return nil, fmt.Errorf("snapshot diff %s..%s of %s%s: %w", from, to, f.name, dir, err)
		}
		next, err := l.addPage(resp)
		if err != nil {
			return nil, fmt.Errorf("snapshot diff %s..%s of %s%s: page %d: %w", from, to, f.name, dir, pages+1, err)
		}
		if next == nil {
			return l.report(), nil
		}
		cursor = next
	}
}

// snapshotRPC sends one request on a connection of its own and returns
// the answer's body. NameNodes are tried in order while one answers
// StandbyException (HA).
func (f *FS) snapshotRPC(ctx context.Context, method string, req []byte) ([]byte, error) {
	if f.opts.KerberosClient != nil {
		return nil, fmt.Errorf("snapshot calls with Kerberos: %w", errors.ErrUnsupported)
	}
	var err error
	for _, addr := range f.opts.Addresses {
		var body []byte
		body, err = f.callOnce(ctx, addr, method, req)
		var re *remoteError
		if errors.As(err, &re) && strings.HasSuffix(re.class, "StandbyException") {
			continue
		}
		return body, err
	}
	return nil, err
}

func (f *FS) callOnce(ctx context.Context, addr, method string, req []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, snapshotRPCTimeout)
	defer cancel()
	conn, err := f.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	clientID := make([]byte, 16)
	rand.Read(clientID)
	out := []byte{'h', 'r', 'p', 'c', 9, 0, 0} // version 9, service class 0, SIMPLE
	ctxMsg := protowire.AppendTag(nil, 2, protowire.BytesType)
	ctxMsg = protowire.AppendBytes(ctxMsg, appendString(nil, 1, f.opts.User))
	ctxMsg = appendString(ctxMsg, 3, clientProtocol)
	out = appendFrame(out, rpcHeader(-3, clientID), ctxMsg)
	reqHdr := appendString(appendString(nil, 1, method), 2, clientProtocol)
	reqHdr = protowire.AppendTag(reqHdr, 3, protowire.VarintType)
	reqHdr = protowire.AppendVarint(reqHdr, 1)
	out = appendFrame(out, rpcHeader(snapshotCallID, clientID), reqHdr, req)
	if _, err := conn.Write(out); err != nil {
		return nil, err
	}
	frame, err := readFrame(conn)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return answerBody(frame[4:])
}

// rpcHeader is an RpcRequestHeaderProto: protocol buffers kind, final
// packet, call id, client id, retry count -1.
func rpcHeader(callID int32, clientID []byte) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, 0)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(callID)))
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, clientID)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeZigZag(-1))
}

// appendFrame appends the varint-delimited msgs behind their total length.
func appendFrame(out []byte, msgs ...[]byte) []byte {
	var body []byte
	for _, m := range msgs {
		body = protowire.AppendBytes(body, m)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// answerBody checks an answer's RpcResponseHeaderProto (status 0 is
// SUCCESS; else exceptionClassName, field 4, and errorMsg, field 5) and
// returns the response message after it.
func answerBody(b []byte) ([]byte, error) {
	hdr, k := protowire.ConsumeBytes(b)
	if k < 0 {
		return nil, errors.New("malformed RPC answer header")
	}
	b = b[k:]
	var status uint64
	var re remoteError
	err := eachField(hdr, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 2:
			status = v
		case 4:
			re.class = string(bs)
		case 5:
			re.msg = string(bs)
		}
	})
	if err != nil {
		return nil, err
	}
	if status != 0 {
		if re.msg == "" {
			re.msg = re.class
		}
		return nil, &re
	}
	body, k := protowire.ConsumeBytes(b)
	if k < 0 {
		return nil, errors.New("malformed RPC answer body")
	}
	return body, nil
}

// eachField calls fn with every varint (v) or length-delimited (bs) field
// of message b.
func eachField(b []byte, fn func(num protowire.Number, v uint64, bs []byte)) error {
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 {
			return errors.New("malformed protobuf message")
		}
		b = b[k:]
		switch typ {
		case protowire.VarintType:
			var v uint64
			v, k = protowire.ConsumeVarint(b)
			if k >= 0 {
				fn(num, v, nil)
			}
		case protowire.BytesType:
			var bs []byte
			bs, k = protowire.ConsumeBytes(b)
			if k >= 0 {
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
