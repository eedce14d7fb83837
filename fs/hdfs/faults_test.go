package hdfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/user"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

// fast is a call retry budget for tests: the same number of tries, shorter
// pauses.
var fast = backoff{first: 5 * time.Millisecond, max: 50 * time.Millisecond, attempts: callRetry.attempts}

func startEmu(t *testing.T, dir, addr string) *hdfsemu.Cluster {
	t.Helper()
	c, err := hdfsemu.Start(hdfsemu.Options{Dir: dir, BlockSize: 64 << 10}, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newTestFS(t *testing.T, addr string, tu tuning) *FS {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFS(context.Background(), "hdfs://"+addr, Config{Addresses: []string{addr}, User: me.Username}, tu)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func (f *FS) generations() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gens
}

func data(seed, n int) []byte {
	r := rand.New(rand.NewPCG(uint64(seed), 42))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeAll(ctx context.Context, f *FS, p string, b []byte) error {
	w, err := f.Create(ctx, p, fs.CreateOptions{Overwrite: true})
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// writeRetrying writes a file the way the copier does: a failed write
// (a DataNode cut, or a writer's NameNode call) is aborted and done again.
// It returns how many tries failed.
func writeRetrying(t *testing.T, ctx context.Context, f *FS, p string, b []byte) int {
	t.Helper()
	for i := range 20 {
		err := writeAll(ctx, f, p, b)
		if err == nil {
			return i
		}
		t.Logf("write %s, try %d: %v", p, i+1, err)
	}
	t.Fatalf("write %s: 20 tries failed", p)
	return 0
}

func readAll(ctx context.Context, f *FS, p string) ([]byte, error) {
	r, err := f.Open(ctx, p, 0)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func names(t *testing.T, ctx context.Context, f *FS, dir string) []string {
	t.Helper()
	var out []string
	for fi, err := range f.List(ctx, dir) {
		if err != nil {
			t.Fatalf("list %s: %v", dir, err)
		}
		out = append(out, fi.Name())
	}
	slices.Sort(out)
	return out
}

// workload runs what a copy does to a target and a source, and checks every
// answer: mkdir, create + write + close under a temp name, attributes,
// stored checksum, rename into place, stat, read back, checksum, list,
// remove. Writes are retried whole (as the copier does); nothing else is.
func workload(t *testing.T, f *FS, root string, files int) (writeRetries int) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("mkdir root", f.Mkdir(ctx, root, 0o755))
	want := map[string][]byte{}
	for i := range files {
		dir := fmt.Sprintf("%s/d%02d", root, i)
		must("mkdir", f.Mkdir(ctx, dir, 0o750))
		b := data(i, 1000+i*7919) // up to ~3 blocks of 64 KiB
		tmp, final := dir+"/.tmp", fmt.Sprintf("%s/f%02d", dir, i)
		writeRetries += writeRetrying(t, ctx, f, tmp, b)
		mode := fs.ModeAttrBits & 0o640
		must("setattrs", f.SetAttrs(ctx, tmp, fs.Attrs{Mode: &mode, ModTime: time.Unix(1_600_000_000+int64(i), 0)}))
		h := fs.NewCRC32C()
		h.Write(b)
		sum := fs.CRC32C(h.Sum32())
		must("store checksum", f.StoreChecksum(ctx, tmp, sum))
		must("rename", f.Rename(ctx, tmp, final))
		fi, err := f.Stat(ctx, final)
		must("stat", err)
		if fi.Size != int64(len(b)) || fi.Mode.Perm() != 0o640 || fi.ModTime.Unix() != 1_600_000_000+int64(i) {
			t.Fatalf("stat %s: %+v, want size %d mode 0640 mtime %d", final, fi, len(b), 1_600_000_000+i)
		}
		got, err := readAll(ctx, f, final)
		must("read", err)
		if !bytes.Equal(got, b) {
			fi2, err2 := f.Stat(ctx, final)
			got2, err3 := readAll(ctx, f, final)
			t.Fatalf("%s: read %d bytes, not the %d written (again: %+v %v; read %d %v)", final, len(got), len(b), fi2, err2, len(got2), err3)
		}
		if c, err := f.Checksum(ctx, final); err != nil || c.String() != sum.String() {
			t.Fatalf("checksum %s: %v %v, want %v", final, c, err, sum)
		}
		if i%3 == 0 { // some go again
			must("remove", f.Remove(ctx, dir, true))
			continue
		}
		if n := names(t, ctx, f, dir); !slices.Equal(n, []string{fmt.Sprintf("f%02d", i)}) {
			t.Fatalf("list %s: %v", dir, n)
		}
		want[fmt.Sprintf("d%02d", i)] = b
	}
	var wantNames []string
	for k := range want {
		wantNames = append(wantNames, k)
	}
	slices.Sort(wantNames)
	if got := names(t, ctx, f, root); !slices.Equal(got, wantNames) {
		t.Fatalf("list %s: %v, want %v", root, got, wantNames)
	}
	return writeRetries
}

// Cut NameNode connections and RetriableException answers are hidden
// inside the connection: every call succeeds at once, no client is made
// anew. DataNode cuts fail a write (the copier writes it again) and are
// ridden out by a read.
func TestFaultsHiddenPerRPC(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: rpcRetry})
	c.SetFaults(hdfsemu.Faults{RPCErrorRate: 0.1, DropRate: 0.05})
	start := time.Now()
	retries := workload(t, f, "/w", 24)
	c.SetFaults(hdfsemu.Faults{})
	redials, resent := f.stats.redials.Load(), f.stats.resent.Load()
	t.Logf("%v: %d connections made again, %d requests sent again after RetriableException, %d whole writes again",
		time.Since(start), redials, resent, retries)
	if redials == 0 || resent == 0 {
		t.Fatalf("faults not exercised: %d redials, %d resent", redials, resent)
	}
	if g := f.generations(); g != 1 {
		t.Fatalf("%d clients made: the connection should have hidden every failure", g)
	}
}

// Without the reconnecting connection (as with Kerberos), colinmarc's own
// connection fails calls: FS.do tries them again on a new client, and
// non-idempotent calls whose answer was lost (LostReplyRate) recognise
// their own success.
func TestFaultsRetriedPerCall(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{plain: true, retry: fast})
	c.SetFaults(hdfsemu.Faults{RPCErrorRate: 0.05, DropRate: 0.02, LostReplyRate: 0.02})
	start := time.Now()
	retries := workload(t, f, "/w", 24)
	c.SetFaults(hdfsemu.Faults{})
	g := f.generations()
	t.Logf("%v: %d clients, %d whole writes again", time.Since(start), g, retries)
	if g < 2 {
		t.Fatalf("only %d client: cut connections not exercised", g)
	}
	if f.stats.redials.Load() != 0 {
		t.Fatal("the plain client went through nnConn")
	}
}

// A listing of several pages (1000 entries each) cut by failures after it
// yielded entries starts again and yields every entry exactly once.
func TestListResumes(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	// A larger budget: the rates are high so that listings are cut often,
	// and a loaded machine (the whole suite on 2 cores) once ran 12 tries
	// within 10ms pauses into the same outage.
	f := newTestFS(t, c.Addr(), tuning{plain: true, retry: backoff{first: time.Millisecond, max: 100 * time.Millisecond, attempts: 20}})
	ctx := context.Background()
	if err := f.Mkdir(ctx, "/many", 0o755); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 5000 {
		n := fmt.Sprintf("e%04d", i)
		if err := f.Mkdir(ctx, "/many/"+n, 0o755); err != nil {
			t.Fatal(err)
		}
		want = append(want, n)
	}
	c.SetFaults(hdfsemu.Faults{RPCErrorRate: 0.1, DropRate: 0.05})
	for range 10 {
		if got := names(t, ctx, f, "/many"); !slices.Equal(got, want) {
			t.Fatalf("listing: %d entries (want %d)", len(got), len(want))
		}
	}
	c.SetFaults(hdfsemu.Faults{})
	if n := f.stats.resumed.Load(); n == 0 {
		t.Fatal("no listing was cut after yielding entries")
	} else {
		t.Logf("%d listings started again after yielding entries", n)
	}
}

// A NameNode (and DataNode) restarted on the same address and directory
// while the FS is in use: the next calls succeed, with and without the
// reconnecting connection; a reader open across the restart finishes.
func TestNameNodeRestart(t *testing.T) {
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("plain=%v", plain), func(t *testing.T) {
			dir := t.TempDir()
			c := startEmu(t, dir, "127.0.0.1:0")
			addr := c.Addr()
			f := newTestFS(t, addr, tuning{plain: plain, retry: callRetry, rpcRetry: rpcRetry})
			ctx := context.Background()
			old := data(1, 200<<10)
			if err := writeAll(ctx, f, "/before", old); err != nil {
				t.Fatal(err)
			}
			r, err := f.Open(ctx, "/before", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			head := make([]byte, 1000)
			if _, err := io.ReadFull(r, head); err != nil {
				t.Fatal(err)
			}

			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			down := time.Now()
			restarted := make(chan *hdfsemu.Cluster)
			go func() {
				time.Sleep(500 * time.Millisecond)
				c2, err := hdfsemu.Start(hdfsemu.Options{Dir: dir, BlockSize: 64 << 10}, addr)
				if err != nil {
					t.Error(err)
				}
				restarted <- c2
			}()
			// Called while the NameNode is down: waits for it.
			fi, err := f.Stat(ctx, "/before")
			c2 := <-restarted
			if c2 == nil {
				t.FailNow()
			}
			t.Cleanup(func() { c2.Close() })
			if err != nil || fi.Size != int64(len(old)) {
				t.Fatalf("stat across the restart: %+v %v", fi, err)
			}
			t.Logf("first call answered %v after the NameNode went down", time.Since(down))
			rest, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(append(head, rest...), old) {
				t.Fatalf("reader open across the restart: %d bytes, %v", len(head)+len(rest), err)
			}
			b := data(2, 100<<10)
			if err := writeAll(ctx, f, "/after", b); err != nil {
				t.Fatal(err)
			}
			for p, want := range map[string][]byte{"/before": old, "/after": b} {
				if got, err := readAll(ctx, f, p); err != nil || !bytes.Equal(got, want) {
					t.Fatalf("read %s after the restart: %d bytes, %v", p, len(got), err)
				}
			}
			if got := names(t, ctx, f, "/"); !slices.Equal(got, []string{"after", "before"}) {
				t.Fatalf("list /: %v", got)
			}
		})
	}
}

// A NameNode that stays down: a call gives up within the budget, with an
// error that says so and is not io.EOF.
func TestNameNodeDownGivesUp(t *testing.T) {
	c := startEmu(t, "", "127.0.0.1:0")
	f := newTestFS(t, c.Addr(), tuning{retry: fast, rpcRetry: backoff{first: time.Millisecond, max: 10 * time.Millisecond, attempts: 4}})
	c.Close()
	start := time.Now()
	_, err := f.Stat(context.Background(), "/x")
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat with the NameNode down: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
	t.Log(err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Stat(ctx, "/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("stat with a canceled context: %v", err)
	}
}

// remoteErr is a NameNode's answer, as colinmarc's NamenodeError.
type remoteErr string

func (e remoteErr) Error() string     { return "call failed with " + string(e) }
func (e remoteErr) Exception() string { return string(e) }

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want failure
	}{
		{nil, failure{}},
		{fmt.Errorf("stat: %w", remoteErr(exRetriable)), failure{retry: true}},
		{remoteErr(exStandby), failure{retry: true}},
		{remoteErr(exSafeMode), failure{retry: true}},
		{remoteErr("java.io.FileNotFoundException"), failure{}},
		{remoteErr("org.apache.hadoop.security.AccessControlException"), failure{}},
		{errors.New("no available namenodes: dial tcp: connection refused"), failure{retry: true, reconnect: true}},
		{&connError{addr: "nn", err: io.EOF}, failure{retry: true, mayHaveRun: true, reconnect: true}},
		{fmt.Errorf("stat: %w", io.ErrUnexpectedEOF), failure{retry: true, mayHaveRun: true, reconnect: true}},
		{fmt.Errorf("remove: %w", fs.ErrNotExist), failure{}},
		{context.DeadlineExceeded, failure{}},
	} {
		if got := classify(c.err); got != c.want {
			t.Errorf("classify(%v) = %+v, want %+v", c.err, got, c.want)
		}
	}
	if errors.Is(&connError{addr: "nn", err: io.EOF}, io.EOF) {
		t.Error("a lost connection unwraps to io.EOF: a listing would end early")
	}
}

func TestRetriableAnswer(t *testing.T) {
	frame := func(h *pb.RpcResponseHeaderProto) []byte {
		hb, err := proto.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		b := []byte{0, 0, 0, 0, byte(len(hb))}
		return append(b, hb...)
	}
	hdr := func(st pb.RpcResponseHeaderProto_RpcStatusProto, class string) *pb.RpcResponseHeaderProto {
		h := &pb.RpcResponseHeaderProto{CallId: proto.Uint32(7), Status: st.Enum(), ServerIpcVersionNum: proto.Uint32(9),
			ClientId: []byte("0123456789abcdef"), RetryCount: proto.Int32(-1)}
		if class != "" {
			h.ExceptionClassName, h.ErrorMsg = proto.String(class), proto.String("try later")
		}
		return h
	}
	if !retriableAnswer(frame(hdr(pb.RpcResponseHeaderProto_ERROR, exRetriable))) {
		t.Error("RetriableException not seen")
	}
	for _, h := range []*pb.RpcResponseHeaderProto{
		hdr(pb.RpcResponseHeaderProto_SUCCESS, ""),
		hdr(pb.RpcResponseHeaderProto_ERROR, "java.io.FileNotFoundException"),
		hdr(pb.RpcResponseHeaderProto_FATAL, exRetriable),
	} {
		if retriableAnswer(frame(h)) {
			t.Errorf("%v taken for RetriableException", h)
		}
	}
}
