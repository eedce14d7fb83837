package hdfs_test

import (
	"context"
	"os/user"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/conformance"
	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

func TestConformance(t *testing.T) {
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	me, _ := user.Current()
	f, err := hdfs.New(ctx, "hdfs://"+c.Addr(), hdfs.Config{Addresses: []string{c.Addr()}, User: me.Username})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Mkdir(ctx, "/conformance", 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []conformance.Option{conformance.WithModTimeResolution(time.Second)}
	if me.Username == "root" {
		opts = append(opts, conformance.WithOtherOwner("nobody", "nogroup"))
	}
	conformance.Run(t, f, "/conformance", opts...)

	// A stored checksum is used as long as size and mtime hold.
	w, err := f.Create(ctx, "/conformance/sum", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("checksummed"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fake := fs.Checksum{Algorithm: fs.AlgCRC32C, Value: []byte{1, 2, 3, 4}}
	if err := f.StoreChecksum(ctx, "/conformance/sum", fake); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Checksum(ctx, "/conformance/sum"); err != nil || got.String() != fake.String() {
		t.Fatalf("stored checksum not used: %v %v", got, err)
	}
	if err := f.SetAttrs(ctx, "/conformance/sum", fs.Attrs{ModTime: time.Unix(1600000000, 0)}); err != nil {
		t.Fatal(err)
	}
	h := fs.NewCRC32C()
	h.Write([]byte("checksummed"))
	if got, err := f.Checksum(ctx, "/conformance/sum"); err != nil || got.String() != fs.CRC32C(h.Sum32()).String() {
		t.Fatalf("stale stored checksum used after mtime changed: %v %v", got, err)
	}
}
