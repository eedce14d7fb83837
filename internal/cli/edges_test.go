package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
)

// Values Hadoop 3.4's DistCp takes and adjusts run, as there, and say what
// they became: -m 0 is one copy at a time, -numListstatusThreads above 40
// is 40 (a warning), 0 the default, -copybuffersize 0 the default buffer,
// and -skipcrccheck without -update checks copies by length only.
func TestDistCpAdjustedValuesRun(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")
	code, rep, out := runReport(t, "-v", "-m", "0", "-numListstatusThreads", "100", "-copybuffersize", "0", "-skipcrccheck", src, dst)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantCounts(t, rep, int64(files), 0, 0)
	sameTree(t, src, dst)
	for _, want := range []string{
		"-m 0: copying one file at a time (DistCp runs at least one map)",
		"-numListstatusThreads 100: capped at 40, the most DistCp allows too",
		"-copybuffersize 0: using the default copy buffer",
		"-skipcrccheck without -update: each copy is checked by its length only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The cap is a warning: shown without -v too.
	code, _, errs := run(t, "-numListstatusThreads", "100", "-update", src, dst)
	if code != cli.ExitOK || !strings.Contains(errs, "capped at 40") || strings.Contains(errs, "one file at a time") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

// One slash where "//" was meant is refused with the URI meant, before
// anything is written.
func TestOneSlashURIRefused(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(base, "dst")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"hdfs:/namenode:8020/data", dst}, `lister: source: malformed URI "hdfs:/namenode:8020/data": one slash after "hdfs:" makes "namenode:8020" part of the path; write hdfs://namenode:8020/data`},
		{[]string{src, "cosn:/examplebucket-1250000000/p"}, `lister: target: malformed URI "cosn:/examplebucket-1250000000/p": one slash after "cosn:" makes "examplebucket-1250000000" part of the path; write cosn://examplebucket-1250000000/p`},
	} {
		code, out, errs := run(t, c.args...)
		if code != cli.ExitUsage || strings.TrimSpace(errs) != c.want {
			t.Errorf("exit %d, stderr %q\nwant exit 2, %q\nstdout: %s", code, errs, c.want, out)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("target was created")
		}
	}
}

// An hdfs:// URL with the NameNode's web port fails at once, exit 2, one
// line naming the mistake; nothing is written.
func TestHDFSWebPortRefused(t *testing.T) {
	web := httptest.NewServer(http.NotFoundHandler())
	defer web.Close()
	t.Setenv("HADOOP_CONF_DIR", t.TempDir())
	addr := strings.TrimPrefix(web.URL, "http://")
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	for _, args := range [][]string{{"hdfs://" + addr + "/data", dst}, {src, "hdfs://" + addr + "/data"}} {
		start := time.Now()
		code, out, errs := run(t, args...)
		want := "NameNode " + addr + " answers HTTP: that is a web port (the NameNode's web UI listens on 9870), not the NameNode's RPC port; give the RPC port of fs.defaultFS, commonly 8020 or 9000"
		if code != cli.ExitUsage || !strings.Contains(errs, want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Fatalf("%q: exit %d\nstderr: %s\nstdout: %s", args, code, errs, out)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%q: took %v", args, d)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("target was created")
		}
	}
}
