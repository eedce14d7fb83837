package cli_test

import (
	"path/filepath"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// The seed jobs: HDFS to COS and COS back to HDFS, byte-identical with
// -pugpt, and -update afterwards skipping everything by CRC32C (stored
// xattr on HDFS, COS's own crc32c) without reading data on either side.
func TestSeedJobsHDFSToCOSAndBack(t *testing.T) {
	srv := cosEnv(t)
	nn, nn2 := startHDFS(t), startHDFS(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	test := "hdfs://" + nn.Addr() + "/test"
	if code, _, out := runReport(t, "-pugpt", src, test); code != cli.ExitOK {
		t.Fatalf("seed HDFS: %d\n%s", code, out)
	}
	bucket := "cosn://" + cosBucket + "/"
	code, rep, out := runReport(t, "-update", "-pugpt", test, bucket)
	if code != cli.ExitOK {
		t.Fatalf("HDFS to COS: %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	code, rep, out = runReport(t, "-update", "-pugpt", bucket, "hdfs://"+nn2.Addr()+"/")
	if code != cli.ExitOK {
		t.Fatalf("COS to HDFS: %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	back := filepath.Join(t.TempDir(), "back")
	if code, _, out := runReport(t, "hdfs://"+nn2.Addr()+"/", back); code != cli.ExitOK {
		t.Fatalf("HDFS to local: %d\n%s", code, out)
	}
	sameTree(t, src, back)

	gets, reads := srv.ObjectGets(), nn.BlockReads()
	code, rep, out = runReport(t, "--no-manifest", "-update", test, bucket) // by records, not the manifest
	if code != cli.ExitOK {
		t.Fatalf("second -update: %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	if g, r := srv.ObjectGets()-gets, nn.BlockReads()-reads; g != 0 || r != 0 {
		t.Fatalf("-update read data: %d COS GETs, %d HDFS block reads", g, r)
	}
}
