package hdfsemu

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

// Java exception class names the clients match on.
const (
	exFileNotFound        = "java.io.FileNotFoundException"
	exIO                  = "java.io.IOException"
	exFileAlreadyExists   = "org.apache.hadoop.fs.FileAlreadyExistsException"
	exNotEmptyDir         = "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"
	exParentNotDir        = "org.apache.hadoop.fs.ParentNotDirectoryException"
	exInvalidPath         = "org.apache.hadoop.fs.InvalidPathException"
	exAlreadyBeingCreated = "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException"
	exLeaseExpired        = "org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException"
	exAccessControl       = "org.apache.hadoop.security.AccessControlException"
	exIllegalArgument     = "org.apache.hadoop.HadoopIllegalArgumentException"
	exUnsupported         = "java.lang.UnsupportedOperationException"
	exRetriable           = "org.apache.hadoop.ipc.RetriableException"
	exNoSuchMethod        = "org.apache.hadoop.ipc.RpcNoSuchMethodException"
	exNoSuchProtocol      = "org.apache.hadoop.ipc.RpcNoSuchProtocolException"
	exServer              = "org.apache.hadoop.ipc.RpcServerException"
	exSnapshot            = "org.apache.hadoop.hdfs.protocol.SnapshotException"
	exSnapshotAccess      = "org.apache.hadoop.hdfs.protocol.SnapshotAccessControlException"
)

const (
	ipcVersion                 = 9
	authNone                   = 0
	connectionContextID        = -3
	pingCallID                 = -4
	saslCallID                 = -33
	clientProtocolName         = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
	maxRPCPacket               = 64 << 20
	listingPageSize            = 1000 // dfs.ls.limit
	fakeCapacity        uint64 = 1 << 40
)

// rpcError is an error answered to the client with a Java exception class.
type rpcError struct {
	class  string
	msg    string
	detail pb.RpcResponseHeaderProto_RpcErrorCodeProto
}

func (e *rpcError) Error() string { return e.class + ": " + e.msg }

func newErr(class, format string, args ...any) *rpcError {
	return &rpcError{class: class, msg: fmt.Sprintf(format, args...), detail: pb.RpcResponseHeaderProto_ERROR_APPLICATION}
}

// rpcConn is one client connection to the NameNode.
type rpcConn struct {
	nn   *nameNode
	r    *bufio.Reader
	w    *bufio.Writer
	user string
}

func (nn *nameNode) handleConn(conn net.Conn) {
	rc := &rpcConn{nn: nn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}
	var hdr [7]byte
	if _, err := io.ReadFull(rc.r, hdr[:]); err != nil {
		return
	}
	if string(hdr[:4]) != "hrpc" || hdr[4] != ipcVersion {
		return
	}
	if hdr[6] != authNone {
		// SASL (Kerberos, tokens) is not emulated.
		rc.fatal(saslCallID, "org.apache.hadoop.security.AccessControlException",
			"hdfsemu supports only SIMPLE authentication (auth protocol NONE)",
			pb.RpcResponseHeaderProto_FATAL_UNAUTHORIZED)
		return
	}
	for {
		pkt, err := rc.readPacket()
		if err != nil {
			return
		}
		rrh := &pb.RpcRequestHeaderProto{}
		rest, err := nextDelimited(pkt, rrh)
		if err != nil {
			rc.fatal(-1, exServer, "bad RPC request header: "+err.Error(), pb.RpcResponseHeaderProto_FATAL_INVALID_RPC_HEADER)
			return
		}
		switch rrh.GetCallId() {
		case connectionContextID:
			cc := &pb.IpcConnectionContextProto{}
			if _, err := nextDelimited(rest, cc); err != nil {
				rc.fatal(connectionContextID, exServer, "bad connection context: "+err.Error(), pb.RpcResponseHeaderProto_FATAL_DESERIALIZING_REQUEST)
				return
			}
			rc.user = cc.GetUserInfo().GetEffectiveUser()
			if cc.GetProtocol() != "" && cc.GetProtocol() != clientProtocolName {
				rc.fatal(connectionContextID, exNoSuchProtocol, "unknown protocol: "+cc.GetProtocol(), pb.RpcResponseHeaderProto_ERROR_NO_SUCH_PROTOCOL)
				return
			}
			continue
		case pingCallID:
			continue
		}
		if rrh.GetRpcOp() == pb.RpcRequestHeaderProto_RPC_CLOSE_CONNECTION {
			return
		}
		if err := rc.call(rrh, rest); err != nil {
			return
		}
	}
}

func (rc *rpcConn) readPacket() ([]byte, error) {
	var lb [4]byte
	if _, err := io.ReadFull(rc.r, lb[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(lb[:])
	if n > maxRPCPacket {
		return nil, fmt.Errorf("RPC packet of %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(rc.r, b)
	return b, err
}

// nextDelimited unmarshals a varint-length-prefixed message from b and
// returns the rest.
func nextDelimited(b []byte, m proto.Message) ([]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, errors.New("truncated message")
	}
	if err := proto.Unmarshal(b[k:k+int(n)], m); err != nil {
		return nil, err
	}
	return b[k+int(n):], nil
}

func appendDelimited(b []byte, m proto.Message) ([]byte, error) {
	mb, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	b = binary.AppendUvarint(b, uint64(len(mb)))
	return append(b, mb...), nil
}

func (rc *rpcConn) send(msgs ...proto.Message) error {
	b, err := packet(msgs...)
	if err != nil {
		return err
	}
	return rc.write(b)
}

// packet frames msgs as one RPC packet: a 4-byte length, then each message
// varint-length-prefixed.
func packet(msgs ...proto.Message) ([]byte, error) {
	b := make([]byte, 4, 256)
	var err error
	for _, m := range msgs {
		if b, err = appendDelimited(b, m); err != nil {
			return nil, err
		}
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b, nil
}

func (rc *rpcConn) write(b []byte) error {
	if _, err := rc.w.Write(b); err != nil {
		return err
	}
	return rc.w.Flush()
}

func (rc *rpcConn) fatal(callID int32, class, msg string, code pb.RpcResponseHeaderProto_RpcErrorCodeProto) {
	rc.send(&pb.RpcResponseHeaderProto{
		CallId:              proto.Uint32(uint32(callID)),
		Status:              pb.RpcResponseHeaderProto_FATAL.Enum(),
		ServerIpcVersionNum: proto.Uint32(ipcVersion),
		ExceptionClassName:  proto.String(class),
		ErrorMsg:            proto.String(msg),
		ErrorDetail:         code.Enum(),
	})
}

// call runs one RPC and answers it. A returned error closes the connection.
func (rc *rpcConn) call(rrh *pb.RpcRequestHeaderProto, rest []byte) error {
	resp := &pb.RpcResponseHeaderProto{
		CallId:              proto.Uint32(uint32(rrh.GetCallId())),
		Status:              pb.RpcResponseHeaderProto_SUCCESS.Enum(),
		ServerIpcVersionNum: proto.Uint32(ipcVersion),
		ClientId:            rrh.GetClientId(),
		RetryCount:          proto.Int32(rrh.GetRetryCount()),
	}
	answerErr := func(e *rpcError) error {
		resp.Status = pb.RpcResponseHeaderProto_ERROR.Enum()
		resp.ExceptionClassName = proto.String(e.class)
		resp.ErrorMsg = proto.String(e.msg)
		resp.ErrorDetail = e.detail.Enum()
		return rc.send(resp)
	}

	drop, injectErr := rc.nn.c.injectedFault()
	if drop {
		return errors.New("connection dropped by fault injection")
	}

	rh := &pb.RequestHeaderProto{}
	body, err := nextDelimited(rest, rh)
	if err != nil {
		rc.fatal(rrh.GetCallId(), exServer, "bad request header: "+err.Error(), pb.RpcResponseHeaderProto_FATAL_DESERIALIZING_REQUEST)
		return err
	}
	if rh.GetDeclaringClassProtocolName() != clientProtocolName {
		return answerErr(&rpcError{class: exNoSuchProtocol,
			msg:    "Unknown protocol: " + rh.GetDeclaringClassProtocolName(),
			detail: pb.RpcResponseHeaderProto_ERROR_NO_SUCH_PROTOCOL})
	}
	rc.nn.c.stats.rpc(rh.GetMethodName())
	if injectErr {
		return answerErr(newErr(exRetriable, "hdfsemu: injected error for %s", rh.GetMethodName()))
	}
	method := rh.GetMethodName()
	h, ok := handlers[method]
	if !ok {
		return answerErr(&rpcError{class: exNoSuchMethod,
			msg:    fmt.Sprintf("Unknown method %s called on %s protocol.", method, clientProtocolName),
			detail: pb.RpcResponseHeaderProto_ERROR_NO_SUCH_METHOD})
	}
	// A repeated at-most-once call gets the answer it had.
	key := retryKey(rrh)
	if key != "" && atMostOnce[method] {
		if b, ok := rc.nn.retries.get(key); ok {
			return rc.write(b)
		}
	}
	// The request body is itself varint-length-prefixed.
	n, k := binary.Uvarint(body)
	if k <= 0 || uint64(len(body)-k) < n {
		return answerErr(&rpcError{class: exServer, msg: "truncated request", detail: pb.RpcResponseHeaderProto_ERROR_RPC_SERVER})
	}
	out, err := h(rc.nn, caller{user: rc.user, super: rc.user == rc.nn.c.opts.Superuser}, body[k:k+int(n)])
	lost := rc.nn.c.lostReply()
	if err != nil {
		if lost {
			return errors.New("answer lost by fault injection")
		}
		var re *rpcError
		if !errors.As(err, &re) {
			re = newErr(exIO, "%v", err)
		}
		return answerErr(re)
	}
	b, err := packet(resp, out)
	if err != nil {
		return err
	}
	if key != "" && atMostOnce[method] {
		rc.nn.retries.put(key, b)
	}
	if lost {
		return errors.New("answer lost by fault injection")
	}
	return rc.write(b)
}

// atMostOnce are the ClientProtocol methods Hadoop marks @AtMostOnce: the
// NameNode's retry cache answers a repeated call (same client id and call
// id) with the first call's answer instead of running it again. The rest
// are @Idempotent, safe to run twice.
var atMostOnce = map[string]bool{
	"create": true, "append": true, "rename": true, "rename2": true,
	"delete": true, "setXAttr": true, "removeXAttr": true,
	"createSnapshot": true, "deleteSnapshot": true,
}

func retryKey(rrh *pb.RpcRequestHeaderProto) string {
	if len(rrh.GetClientId()) == 0 || rrh.GetCallId() < 0 {
		return ""
	}
	return fmt.Sprintf("%x/%d", rrh.GetClientId(), rrh.GetCallId())
}

// retryCache keeps the answers of successful at-most-once calls, as the
// NameNode's does (dfs.namenode.enable.retrycache), bounded to the most
// recent retryCacheSize.
type retryCache struct {
	mu    sync.Mutex
	m     map[string][]byte
	order []string
}

const retryCacheSize = 4096

func (c *retryCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *retryCache) put(key string, answer []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	if _, ok := c.m[key]; !ok {
		c.order = append(c.order, key)
	}
	c.m[key] = answer
	if len(c.order) > retryCacheSize {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}

// handler runs one ClientProtocol method.
type handler func(nn *nameNode, c caller, req []byte) (proto.Message, error)

// method adapts a typed handler.
func method[Req any, PReq interface {
	*Req
	proto.Message
}](f func(nn *nameNode, c caller, req PReq) (proto.Message, error)) handler {
	return func(nn *nameNode, c caller, b []byte) (proto.Message, error) {
		req := PReq(new(Req))
		if err := proto.Unmarshal(b, req); err != nil {
			return nil, &rpcError{class: exServer, msg: "cannot parse request: " + err.Error(), detail: pb.RpcResponseHeaderProto_ERROR_RPC_SERVER}
		}
		return f(nn, c, req)
	}
}
