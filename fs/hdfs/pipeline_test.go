package hdfs

import (
	"bytes"
	"context"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// A file of three blocks is written with create, addBlock per block and
// complete: the client's updateBlockForPipeline after each block is
// answered by nnConn, and the file reads back whole, its blocks' lengths
// known to the NameNode and its DataNode checksums those of the bytes
// sent. Without nnConn (Kerberos) the client's calls go out unchanged.
func TestNoUpdateBlockForPipeline(t *testing.T) {
	for _, plain := range []bool{false, true} {
		c := startEmu(t, "", "127.0.0.1:0") // blocks of 64 KiB
		f := newTestFS(t, c.Addr(), tuning{plain: plain, retry: fast, rpcRetry: rpcRetry})
		ctx := context.Background()
		b := data(3, 150_000)
		before := c.Stats()
		w := written1(t, f, "/three", b)
		got := c.Stats().Sub(before).NameNode
		wantUpdates := int64(3)
		if !plain {
			wantUpdates = 0
		}
		if got["create"] != 1 || got["addBlock"] != 3 || got["complete"] != 1 || got["updateBlockForPipeline"] != wantUpdates {
			t.Errorf("plain=%v: NameNode RPCs %v, want create 1, addBlock 3, complete 1, updateBlockForPipeline %d", plain, got, wantUpdates)
		}
		if n := f.stats.answered.Load(); n != 3-wantUpdates {
			t.Errorf("plain=%v: nnConn answered %d requests itself, want %d", plain, n, 3-wantUpdates)
		}
		size, _, err := fs.CheckStored(ctx, w)
		if err != nil || size != int64(len(b)) {
			t.Fatalf("plain=%v: CheckStored: %d bytes, %v", plain, size, err)
		}
		back, err := readAll(ctx, f, "/three")
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("plain=%v: read back %d bytes (%v), not the %d written", plain, len(back), err, len(b))
		}
	}
}
