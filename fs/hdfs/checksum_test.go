package hdfs

import (
	"context"
	"os/user"
	"strconv"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/emulator/hdfsemu"
)

// Records earlier versions wrote in fs.OriginXattr still read: HDFS's own
// stored checksum (mtime in ms, no source) serves Checksum without a data
// read but is no origin; a local file's 5-field record is an origin. A
// record stops counting when the file's mtime moves.
func TestLegacyRecords(t *testing.T) {
	c, err := hdfsemu.Start(hdfsemu.Options{BlockSize: 1 << 20}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	me, _ := user.Current()
	f, err := New(ctx, "hdfs://"+c.Addr(), Config{Addresses: []string{c.Addr()}, User: me.Username})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := f.Create(ctx, "/f", fs.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("legacy"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat(ctx, "/f")
	if err != nil {
		t.Fatal(err)
	}
	setRecord := func(v string) {
		t.Helper()
		if err := f.do(ctx, func(cl *client, _ bool) error { return cl.SetXAttr("/f", fs.OriginXattr, v) }); err != nil {
			t.Fatal(err)
		}
	}
	fake := "CRC32C:0a0b0c0d"
	setRecord(fake + " size=6 mtime=" + strconv.FormatInt(fi.ModTime.UnixMilli(), 10))
	reads := c.BlockReads()
	if got, err := f.Checksum(ctx, "/f"); err != nil || got.String() != fake {
		t.Fatalf("Checksum with an HDFS record of an earlier version: %v %v, want %s", got, err, fake)
	}
	if n := c.BlockReads() - reads; n != 0 {
		t.Errorf("Checksum read %d blocks despite the record", n)
	}
	if o, ok, err := f.Origin(ctx, fi); ok || err != nil {
		t.Errorf("a checksum-only record gave origin %+v, %v", o, err)
	}

	setRecord(fake + " size=6 mtime=" + strconv.FormatInt(fi.ModTime.UnixNano(), 10) + " src_size=6 src_mtime=100000000007")
	o, ok, err := f.Origin(ctx, fi)
	if err != nil || !ok || o.SrcSize != 6 || !o.SrcModTime.Equal(time.Unix(100, 7)) || !o.SrcChangeTime.IsZero() || o.Checksum.String() != fake {
		t.Fatalf("5-field record: origin %+v ok %v err %v", o, ok, err)
	}

	if err := f.SetAttrs(ctx, "/f", fs.Attrs{ModTime: fi.ModTime.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	fi2, _ := f.Stat(ctx, "/f")
	if _, ok, _ := f.Origin(ctx, fi2); ok {
		t.Error("a record outlived an mtime change")
	}
	h := fs.NewCRC32C()
	h.Write([]byte("legacy"))
	if got, err := f.Checksum(ctx, "/f"); err != nil || got.String() != fs.CRC32C(h.Sum32()).String() {
		t.Errorf("Checksum after an mtime change: %v %v, want the file's", got, err)
	}
}
