package hdfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/user"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// A copy's temp file goes into place with rename2 alone: no getFileInfo
// of the target (the client's Rename asks one), none of the source
// either when this FS wrote and verified it; its attributes and origin
// record need no lookup either, and the writer's version and the record
// follow the mtime set.
func TestRenameWrittenFileOneRPC(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: rpcRetry})
	ctx := context.Background()
	b := data(1, 3000)
	w := written1(t, f, "/tmp1", b)
	if _, _, err := fs.CheckStored(ctx, w); err != nil {
		t.Fatal(err)
	}
	before := c.Stats()
	mode := fs.ModeAttrBits & 0o600
	if err := f.SetAttrs(ctx, "/tmp1", fs.Attrs{Mode: &mode, ModTime: time.Unix(1_600_000_000, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := f.StoreChecksum(ctx, "/tmp1", fs.CRC32C(1)); err != nil {
		t.Fatal(err)
	}
	if err := f.Rename(ctx, "/tmp1", "/final1"); err != nil {
		t.Fatal(err)
	}
	v := fs.WrittenVersion(w)
	got := c.Stats().Sub(before)
	want := map[string]int64{"setPermission": 1, "setTimes": 1, "setXAttr": 1, "rename2": 1}
	if len(got.NameNode) != len(want) {
		t.Errorf("NameNode RPCs %v, want %v", got.NameNode, want)
	}
	for k, n := range want {
		if got.NameNode[k] != n {
			t.Errorf("NameNode RPCs %v, want %v", got.NameNode, want)
		}
	}
	fi, err := f.Stat(ctx, "/final1")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Version != v || fi.Mode.Perm() != 0o600 || fi.Size != int64(len(b)) || fi.ModTime.Unix() != 1_600_000_000 {
		t.Errorf("after rename: %+v; the writer said version %q", fi, v)
	}
	if _, ok, err := f.Origin(ctx, fi); err != nil || ok {
		t.Errorf("a checksum alone is no origin: %v %v", ok, err)
	}
	if fi, err = f.Stat(ctx, "/final1"); err != nil {
		t.Fatal(err)
	}
	if sum, ok, err := f.KeptChecksum(ctx, fi); err != nil || !ok || sum.String() != fs.CRC32C(1).String() {
		t.Errorf("kept checksum %v %v %v: the record was made with a stale size or mtime", sum, ok, err)
	}
	// What the file has already is not sent again.
	before = c.Stats()
	if err := f.SetAttrs(ctx, "/final1", fs.Attrs{Mode: &mode, Owner: fi.Owner, Group: fi.Group, ModTime: fi.ModTime.Truncate(time.Second).Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetAttrs(ctx, "/final1", fs.Attrs{Mode: &mode, Owner: fi.Owner, Group: fi.Group, ModTime: fi.ModTime.Truncate(time.Second).Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().Sub(before).NameNode; got["getFileInfo"] != 2 || got["setTimes"] != 1 || len(got) != 2 {
		t.Errorf("SetAttrs twice with the mode and owner the file has, and a new mtime: %v, want getFileInfo 2, setTimes 1", got)
	}
}

// written1 writes b to a new file p and closes it.
func written1(t *testing.T, f *FS, p string, b []byte) fs.Writer {
	t.Helper()
	w, err := f.Create(t.Context(), p, fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

// rename2 on jetcp's own connection answers as the client's Rename: a
// missing source is ErrNotExist, a file over a directory ErrExist, and a
// rename whose answer is lost is recognised by the NameNode's retry
// cache (same client id and call id) and done once.
func TestOwnRename(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: rpcRetry})
	ctx := context.Background()
	if f.own == nil {
		t.Fatal("no own connection")
	}
	if err := f.Rename(ctx, "/missing", "/x"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename of a missing file: %v, want ErrNotExist", err)
	}
	if err := writeAll(ctx, f, "/a", data(2, 100)); err != nil {
		t.Fatal(err)
	}
	if err := f.Mkdir(ctx, "/dir", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.Rename(ctx, "/a", "/dir"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename of a file over a directory: %v, want ErrExist", err)
	}
	c.SetFaults(hdfsemu.Faults{LostReplyRate: 1})
	err := f.Rename(ctx, "/a", "/b")
	c.SetFaults(hdfsemu.Faults{})
	if err != nil {
		t.Fatalf("rename with its answer lost: %v", err)
	}
	if f.stats.redials.Load() == 0 {
		t.Fatal("no answer was lost")
	}
	if _, err := f.Stat(ctx, "/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("/a after rename: %v", err)
	}
	if got, err := readAll(ctx, f, "/b"); err != nil || len(got) != 100 {
		t.Errorf("/b after rename: %d bytes, %v", len(got), err)
	}
}

// The one getListing a verification makes gives the status Stat gives
// (so the origin record and the manifest's version are those a later
// Stat or listing compares with) and the blocks' DataNodes; a missing
// path is ErrNotExist and a directory is refused.
func TestLocatedFile(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0") // blocks of 64 KiB
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: rpcRetry})
	ctx := context.Background()
	b := data(4, 200_000)
	if err := writeAll(ctx, f, "/l", b); err != nil {
		t.Fatal(err)
	}
	mode := fs.ModeAttrBits & 0o640
	if err := f.SetAttrs(ctx, "/l", fs.Attrs{Mode: &mode, ModTime: time.Unix(1_600_000_000, 0), AccessTime: time.Unix(1_600_000_100, 0)}); err != nil {
		t.Fatal(err)
	}
	before := c.Stats()
	lf, err := f.own.locatedFile(ctx, "/l")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().Sub(before).NameNode; got["getListing"] != 1 || len(got) != 1 {
		t.Errorf("NameNode RPCs %v, want one getListing", got)
	}
	fi, err := f.Stat(ctx, "/l")
	if err != nil {
		t.Fatal(err)
	}
	if lf.fi != fi {
		t.Errorf("listed %+v\nStat    %+v", lf.fi, fi)
	}
	if len(lf.blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(lf.blocks))
	}
	for i, blk := range lf.blocks {
		if len(blk.addrs) != 1 || blk.addrs[0] != c.DataNodeAddr() {
			t.Errorf("block %d at %v, want %s", i, blk.addrs, c.DataNodeAddr())
		}
	}
	sums, err := lf.checksums(ctx, &f.dialer)
	if err != nil {
		t.Fatal(err)
	}
	s := newBlockSums(64 << 10)
	s.Write(b)
	if want, _ := s.finish(); !bytes.Equal(fileMD5(sums), want) {
		t.Errorf("file checksum %x from the DataNode, %x from the bytes", fileMD5(sums), want)
	}
	if _, err := f.own.locatedFile(ctx, "/nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing path: %v, want ErrNotExist", err)
	}
	if _, err := f.own.locatedFile(ctx, "/"); err == nil {
		t.Error("a directory listed as a file")
	}
}

// With two NameNode addresses of which the first is down (an HA pair
// after a failover), jetcp's own calls move on to the next address, as
// the client's do.
func TestOwnRPCNextNameNode(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFS(context.Background(), "hdfs://ha", Config{Addresses: []string{down, c.Addr()}, User: me.Username},
		tuning{retry: fast, rpcRetry: backoff{first: time.Millisecond, max: time.Millisecond, attempts: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	if err := writeAll(ctx, f, "/a", data(5, 10)); err != nil {
		t.Fatal(err)
	}
	if err := f.Rename(ctx, "/a", "/b"); err != nil {
		t.Fatalf("rename with the first NameNode down: %v", err)
	}
	if _, err := f.Stat(ctx, "/b"); err != nil {
		t.Fatal(err)
	}
}

// jetcp's own calls ride out cut connections, RetriableException answers
// and lost answers as the client's do (inside nnConn): each succeeds.
func TestOwnRPCFaults(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: rpcRetry})
	ctx := context.Background()
	for i := range 20 {
		if err := writeAll(ctx, f, fmt.Sprintf("/f%d", i), data(i, 100+i)); err != nil {
			t.Fatal(err)
		}
	}
	c.SetFaults(hdfsemu.Faults{RPCErrorRate: 0.2, DropRate: 0.1, LostReplyRate: 0.1})
	for i := range 20 {
		p := fmt.Sprintf("/f%d", i)
		lf, err := f.own.locatedFile(ctx, p)
		if err != nil || lf.fi.Size != int64(100+i) || len(lf.blocks) != 1 {
			t.Fatalf("%s: %+v, %v", p, lf, err)
		}
		if err := f.Rename(ctx, p, p+".moved"); err != nil {
			t.Fatalf("rename %s: %v", p, err)
		}
	}
	c.SetFaults(hdfsemu.Faults{})
	if f.stats.redials.Load() == 0 || f.stats.resent.Load() == 0 {
		t.Fatalf("faults not exercised: %d redials, %d resent", f.stats.redials.Load(), f.stats.resent.Load())
	}
	for i := range 20 {
		if _, err := f.Stat(ctx, fmt.Sprintf("/f%d.moved", i)); err != nil {
			t.Fatal(err)
		}
	}
}
