package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/cli"
	"github.com/jetcp/jetcp/lister"
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

// lister -h and the parser agree: every option -h lists as supported is
// known and not refused as unsupported, and every option it lists as not
// supported is refused with "is not supported by jetcp".
func TestHelpAgreesWithParser(t *testing.T) {
	usage, notSupported, _ := strings.Cut(cli.ListerUsage, "Not supported, refused with the reason:")
	notSupported, _, _ = strings.Cut(notSupported, "\n\n")
	listed := regexp.MustCompile(`(?m)^  (--?[a-zA-Z][a-zA-Z-]*)`).FindAllStringSubmatch(usage, -1)
	if len(listed) < 30 {
		t.Fatalf("only %d options found in -h", len(listed))
	}
	for _, m := range listed {
		opt := m[1]
		if opt == "-p" || opt == "-D" || opt == "-h" {
			continue
		}
		_, err := lister.ParseArgs([]string{opt, "1", "/a", "/b"})
		if err != nil && (strings.Contains(err.Error(), "unknown option") || strings.Contains(err.Error(), "not supported")) {
			t.Errorf("-h lists %s, the parser says: %v", opt, err)
		}
	}
	refused := regexp.MustCompile(`-[a-zA-Z]+`).FindAllString(notSupported, -1)
	if len(refused) < 8 {
		t.Fatalf("only %d unsupported options found in -h", len(refused))
	}
	for _, opt := range refused {
		_, err := lister.ParseArgs([]string{"-update", opt, "v1", "v2", "/a", "/b"})
		if err == nil || !strings.Contains(err.Error(), opt+" is not supported by jetcp") {
			t.Errorf("-h lists %s as not supported, the parser says: %v", opt, err)
		}
	}
	if strings.Contains(notSupported, "-blocksperchunk") || !strings.Contains(usage, "-blocksperchunk N") {
		t.Errorf("-h does not list -blocksperchunk as supported")
	}

	// The README's troubleshooting row for unsupported options, likewise.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `-X is not supported by jetcp") {
			row = line
		}
	}
	if row == "" {
		t.Fatal("README has no troubleshooting row for unsupported options")
	}
	for _, opt := range regexp.MustCompile("`(-[a-zA-Z]+)`").FindAllStringSubmatch(row, -1) {
		_, err := lister.ParseArgs([]string{"-update", opt[1], "v1", "v2", "/a", "/b"})
		if err == nil || !strings.Contains(err.Error(), opt[1]+" is not supported by jetcp") {
			t.Errorf("README lists %s as not supported, the parser says: %v", opt[1], err)
		}
	}
}
