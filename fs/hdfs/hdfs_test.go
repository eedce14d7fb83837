package hdfs_test

import (
	"context"
	"os/user"
	"testing"
	"time"

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
	defer f.Close() // Run closes it too (fs.Closer); a second Close is fine
	if err := f.Mkdir(ctx, "/conformance", 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []conformance.Option{conformance.WithModTimeResolution(time.Second)}
	if me.Username == "root" {
		opts = append(opts, conformance.WithOtherOwner("nobody", "nogroup"))
	}
	conformance.Run(t, f, "/conformance", opts...)

}
