package hdfs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
)

// ownRPC is a NameNode connection of jetcp's own, for the calls that
// colinmarc's client wraps in lookups it does not need: its Rename asks
// getFileInfo of the destination before every rename2 and throws the
// answer away. The requests are encoded here (a few fields each, with
// protowire: the client's protobuf types are internal to its module), and
// sent through an nnConn, so a cut connection or a RetriableException is
// ridden out the same way, the request sent again with the same call id
// for the NameNode's retry cache. Only with SIMPLE authentication (the
// connection context names the user); with Kerberos the client's own
// calls are used.
type ownRPC struct {
	f    *FS
	user string

	mu       sync.Mutex // one call at a time, as the client's reqLock
	conn     *nnConn    // nil until first used, or after a NameNode refused as standby
	addr     int        // index in f.opts.Addresses of conn's NameNode
	clientID []byte
	callID   int32
}

const (
	protocolClass = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
	callIDContext = -3 // the connection context's call id
)

func newOwnRPC(f *FS, user string) *ownRPC {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &ownRPC{f: f, user: user, clientID: id}
}

// call sends method with the encoded request and returns the encoded
// answer. A NameNode that answered StandbyException, or whose connection
// failed past nnConn's retries, is left for the next address (HA), and
// the error goes up for FS.do to try again.
func (o *ownRPC) call(ctx context.Context, method string, req []byte) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	resp, err := o.try(ctx, method, req)
	var ne *rpcError
	if err != nil && (!errors.As(err, &ne) || ne.fatal || ne.class == exStandby) {
		o.close()
		o.addr = (o.addr + 1) % len(o.f.opts.Addresses)
	}
	return resp, err
}

func (o *ownRPC) try(ctx context.Context, method string, req []byte) ([]byte, error) {
	if err := o.connect(ctx); err != nil {
		return nil, err
	}
	id := o.callID
	o.callID++
	if _, err := o.conn.Write(frame(requestHeader(id, o.clientID), methodHeader(method), req)); err != nil {
		return nil, err
	}
	answer, err := o.conn.exchange()
	if err != nil {
		return nil, err
	}
	return parseAnswer(method, id, answer)
}

// connect makes the connection and sends the preamble and connection
// context, which nnConn keeps for the connections it makes again.
func (o *ownRPC) connect(ctx context.Context) error {
	if o.conn != nil {
		return nil
	}
	c, err := o.f.dialNameNode(ctx, "tcp", o.f.opts.Addresses[o.addr])
	if err != nil {
		return err
	}
	nc := c.(*nnConn)
	var ui, cc []byte
	ui = protowire.AppendTag(ui, 1, protowire.BytesType) // effectiveUser
	ui = protowire.AppendString(ui, o.user)
	cc = protowire.AppendTag(cc, 2, protowire.BytesType) // userInfo
	cc = protowire.AppendBytes(cc, ui)
	cc = protowire.AppendTag(cc, 3, protowire.BytesType) // protocol
	cc = protowire.AppendString(cc, protocolClass)
	// "hrpc", version 9, service class 0, auth SIMPLE (0)
	if _, err := nc.Write([]byte{'h', 'r', 'p', 'c', 9, 0, 0}); err != nil {
		nc.Close()
		return err
	}
	if _, err := nc.Write(frame(requestHeader(callIDContext, o.clientID), cc)); err != nil {
		nc.Close()
		return err
	}
	o.conn = nc
	return nil
}

func (o *ownRPC) close() {
	if o.conn != nil {
		o.conn.Close()
		o.conn = nil
	}
}

// Close ends the connection.
func (o *ownRPC) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.close()
}

// requestHeader is an RpcRequestHeaderProto: protocol buffers (2), final
// packet (0), the call id (sint32) and client id.
func requestHeader(callID int32, clientID []byte) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, 0)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(callID)))
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, clientID)
}

// methodHeader is a RequestHeaderProto for a ClientProtocol method.
func methodHeader(method string) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, method)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, protocolClass)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	return protowire.AppendVarint(b, 1)
}

// frame is a request as sent: a 4-byte length, then each message
// varint-length-delimited.
func frame(msgs ...[]byte) []byte {
	var body []byte
	for _, m := range msgs {
		body = protowire.AppendBytes(body, m)
	}
	out := make([]byte, 4, 4+len(body))
	out[0], out[1], out[2], out[3] = byte(len(body)>>24), byte(len(body)>>16), byte(len(body)>>8), byte(len(body))
	return append(out, body...)
}

// parseAnswer reads an answer frame (length included): an
// RpcResponseHeaderProto, then on success the response message.
func parseAnswer(method string, callID int32, answer []byte) ([]byte, error) {
	b := answer[4:]
	h, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, fmt.Errorf("%s: invalid response from namenode: %w", method, protowire.ParseError(n))
	}
	b = b[n:]
	id, ok := varintField(h, 1)
	if !ok {
		return nil, fmt.Errorf("%s: invalid response from namenode: no call id", method)
	}
	status, _ := varintField(h, 2)
	class, _ := bytesField(h, 4)
	msg, _ := bytesField(h, 5)
	switch {
	case int32(id) != callID:
		return nil, fmt.Errorf("%s: unexpected sequence number %d, want %d", method, int32(id), callID)
	case status != 0:
		return nil, &rpcError{method: method, class: string(class), msg: string(msg), fatal: status != 1}
	}
	resp, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, fmt.Errorf("%s: invalid response from namenode: %w", method, protowire.ParseError(n))
	}
	return resp, nil
}

// rpcError is an error answer: the Java exception's class and message. It
// unwraps to the os error the client would give for it.
type rpcError struct {
	method, class, msg string
	fatal              bool // FATAL: the NameNode closes the connection
}

func (e *rpcError) Error() string {
	first, _, _ := strings.Cut(e.msg, "\n") // a Java stack trace may follow
	return fmt.Sprintf("%s call failed with %s (%s)", e.method, e.class, first)
}

func (e *rpcError) Exception() string { return e.class }

func (e *rpcError) Unwrap() error {
	switch {
	case strings.HasSuffix(e.class, ".FileNotFoundException"):
		return os.ErrNotExist
	case strings.HasSuffix(e.class, ".FileAlreadyExistsException"):
		return os.ErrExist
	case strings.HasSuffix(e.class, ".AccessControlException"):
		return os.ErrPermission
	}
	return nil
}

// rename2 is ClientProtocol.rename2 with overwrite, as the client's
// Rename sends it, without the lookup before.
func (o *ownRPC) rename2(ctx context.Context, oldpath, newpath string) error {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, oldpath)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, newpath)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, 1)
	_, err := o.call(ctx, "rename2", b)
	return err
}
