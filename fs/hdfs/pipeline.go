package hdfs

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// colinmarc's FileWriter (v2.4.0, file_writer.go finalizeBlock) sends
// updateBlockForPipeline after every block it finished writing, with the
// block's final length, and throws the answer away. That call is not part
// of writing a block: HDFS's Java client sends it only to recover a
// failed pipeline, followed by updatePipeline. The NameNode answers it
// with a new generation stamp it allocates, which it logs to its edit log
// (OP_SET_GENSTAMP_V2, synced), and changes nothing else; the block's
// length reaches the NameNode with addBlock's previous block and
// complete's last block, which the client sends all the same. So one
// NameNode call and one edit-log sync per block, for nothing. nnConn
// answers it itself instead, with a success the client reads as such
// (an answer header and no message: the client then leaves its unused
// response empty, as it does for any answer without one).
//
// A lease lost meanwhile is still found: complete (or the next addBlock)
// checks it.

const methodUpdatePipeline = "updateBlockForPipeline"

// localAnswer is the answer nnConn gives itself to request (a whole
// request frame), or nil when the NameNode must answer.
func localAnswer(request []byte) []byte {
	if len(request) < 4 {
		return nil
	}
	b := request[4:]
	rrh, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil
	}
	rh, k := protowire.ConsumeBytes(b[n:])
	if k < 0 {
		return nil
	}
	if method, ok := bytesField(rh, 1); !ok || string(method) != methodUpdatePipeline {
		return nil
	}
	id, ok := varintField(rrh, 3)
	if !ok {
		return nil
	}
	var h []byte
	h = protowire.AppendTag(h, 1, protowire.VarintType) // callId
	h = protowire.AppendVarint(h, uint64(uint32(int32(protowire.DecodeZigZag(id)))))
	h = protowire.AppendTag(h, 2, protowire.VarintType) // status SUCCESS
	h = protowire.AppendVarint(h, 0)
	h = protowire.AppendTag(h, 3, protowire.VarintType) // serverIpcVersionNum
	h = protowire.AppendVarint(h, 9)
	if clientID, ok := bytesField(rrh, 4); ok {
		h = protowire.AppendTag(h, 7, protowire.BytesType)
		h = protowire.AppendBytes(h, clientID)
	}
	return frame(h)
}

// bytesField is the first length-delimited field num of msg.
func bytesField(msg []byte, num protowire.Number) ([]byte, bool) {
	return firstField(msg, num, protowire.BytesType, protowire.ConsumeBytes)
}

// varintField is the first varint field num of msg.
func varintField(msg []byte, num protowire.Number) (uint64, bool) {
	return firstField(msg, num, protowire.VarintType, protowire.ConsumeVarint)
}

func firstField[T any](msg []byte, num protowire.Number, typ protowire.Type, consume func([]byte) (T, int)) (T, bool) {
	var out T
	found := scanFields(msg, func(n protowire.Number, t protowire.Type, v []byte) bool {
		if n != num || t != typ {
			return false
		}
		x, k := consume(v)
		out = x
		return k >= 0
	})
	return out, found
}

// scanFields calls match with each field's number, type and encoded
// value (the rest of msg from there) until it returns true, and reports
// whether it did.
func scanFields(msg []byte, match func(protowire.Number, protowire.Type, []byte) bool) bool {
	for len(msg) > 0 {
		num, typ, k := protowire.ConsumeTag(msg)
		if k < 0 {
			return false
		}
		msg = msg[k:]
		if match(num, typ, msg) {
			return true
		}
		k = protowire.ConsumeFieldValue(num, typ, msg)
		if k < 0 {
			return false
		}
		msg = msg[k:]
	}
	return false
}
