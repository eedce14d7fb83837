package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/internal/emulator/cosemu"
)

const cosBucket = "hdfs-test-1250000000"

// cosEnv starts a COS emulator and points the COS backend at it through the
// environment, as a user would.
func cosEnv(t *testing.T) *cosemu.Server {
	t.Helper()
	return cosEnvWith(t, cosemu.Options{})
}

// cosEnvWith is cosEnv with options of the emulator's own (credentials and
// bucket are cosEnv's).
func cosEnvWith(t *testing.T, o cosemu.Options) *cosemu.Server {
	t.Helper()
	o.SecretID, o.SecretKey, o.Buckets = "AKIDe2e", "e2e-secret-key", []string{cosBucket}
	srv, url, err := cosemu.Start(o, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	t.Setenv("COS_SECRET_ID", "AKIDe2e")
	t.Setenv("COS_SECRET_KEY", "e2e-secret-key")
	t.Setenv("COS_REGION", "ap-guangzhou")
	t.Setenv("COS_ENDPOINT", url)
	t.Setenv("COS_PART_SIZE", "1048576") // the sample's 3 and 5 MiB files go multipart
	return srv
}

// Local to COS and back, byte-identical, attributes round-tripping with
// -pugpt, and -update skipping everything on a second run without reading
// object data from COS.
func TestLocalToCOSAndBack(t *testing.T) {
	srv := cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	old := time.Date(2022, 5, 6, 7, 8, 9, 123456789, time.UTC)
	if err := os.Chmod(filepath.Join(src, "a.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		os.Chown(filepath.Join(src, "a.txt"), 65534, 65534)
	}
	os.Chtimes(filepath.Join(src, "big/three-mib.bin"), old, old)

	remote := "cosn://" + cosBucket + "/warehouse/data"
	code, rep, out := runReport(t, "-pugpt", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("to COS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	if n := srv.OpenUploads(cosBucket); n != 0 {
		t.Fatalf("%d multipart uploads left open", n)
	}

	back := filepath.Join(t.TempDir(), "back")
	code, rep, out = runReport(t, "-pugpt", remote, back)
	if code != cli.ExitOK {
		t.Fatalf("from COS: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	sameTree(t, src, back)
	a := lstat(t, filepath.Join(back, "a.txt"))
	if a.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", a.Mode())
	}
	if os.Geteuid() == 0 {
		if st := a.Sys().(*syscall.Stat_t); st.Uid != 65534 || st.Gid != 65534 {
			t.Errorf("owner %d:%d", st.Uid, st.Gid)
		}
	}
	if mt := lstat(t, filepath.Join(back, "big/three-mib.bin")).ModTime(); !mt.Equal(old) {
		t.Errorf("mtime %v, want %v", mt, old)
	}

	// Second run: everything skipped on size and CRC32C; COS answers
	// checksums from HEAD, so no object data is read from it. (Without
	// the manifest, whose own read is one GET: manifest_test.go.)
	gets := srv.ObjectGets()
	code, rep, out = runReport(t, "--no-manifest", "-update", src, remote)
	if code != cli.ExitOK {
		t.Fatalf("-update: exit %d\n%s", code, out)
	}
	wantCounts(t, rep, 0, int64(files), 0)
	if n := srv.ObjectGets() - gets; n != 0 {
		t.Fatalf("-update read %d objects from COS", n)
	}
	// Secrets never reach output: a verbose run's stdout and stderr.
	_, vout, verrs := run(t, "-v", "-update", src, remote)
	if all := vout + verrs + out; strings.Contains(all, "e2e-secret-key") || strings.Contains(all, "AKIDe2e") {
		t.Fatal("a COS secret appears in the output")
	}
}

// A wrong secret key ends the job before copying, with one line naming the
// credential problem and never the secret.
func TestCOSWrongKey(t *testing.T) {
	cosEnv(t)
	t.Setenv("COS_SECRET_KEY", "not-the-key")
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	code, out, errs := run(t, src, "cosn://"+cosBucket+"/x")
	if code == cli.ExitOK {
		t.Fatalf("exit 0\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 1 || !strings.Contains(errs, "COS refused the credentials") || strings.Contains(errs, "not-the-key") {
		t.Fatalf("stderr:\n%s", errs)
	}
}
