package integration

import (
	"bytes"
	"context"
	iofs "io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An embedded lister (JetStream, committer and copiers in one process)
// SIGKILLed in the middle of a copy leaves temp files, a chunked file's
// assembly and its JetStream store behind. The -update run that finishes
// the copy also removes all of them: the target then holds exactly the
// source's files, and nothing is left in the temp directory.
func TestProcessesEmbeddedListerKilled(t *testing.T) {
	tmp := t.TempDir() // both runs' TMPDIR: their stores go there
	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	// Files of 2 MiB (copied whole: above the bundles' size, below the
	// chunks') around one of 12 MiB in 4 MiB chunks; four copies at once
	// at 1 MiB/s each take the first two files and two chunks together.
	makeTree(t, src, 6, 2<<20)
	if err := os.WriteFile(filepath.Join(src, "d0", "f000.big"), bytes.Repeat([]byte("0123456789abcdef"), 12<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "lister"), append([]string{"--no-progress", "-m", "4", "--chunk-size", "4MiB"}, args...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	first, out := run(ctx, "-bandwidth", "1", src, dst)
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	// Kill once a whole file's temp file and the chunked file's assembly
	// are both being written.
	inFlight := func() bool {
		var asm, temp bool
		for _, p := range tempFiles(t, dst) {
			asm = asm || strings.HasSuffix(p, ".chunks")
			temp = temp || !strings.HasSuffix(p, ".chunks")
		}
		return asm && temp
	}
	if !waitFor(ctx, exited, inFlight) {
		t.Fatalf("the first run ended before a temp file and an assembly were in flight\n%s", out)
	}
	_ = first.Process.Kill()
	<-exited
	left := tempFiles(t, dst)
	stores := entries(t, tmp)
	t.Logf("killed with temp files %v and %d files in TMPDIR", left, len(stores))
	if len(left) < 2 || len(stores) == 0 {
		t.Fatalf("the kill left temp files %v and in TMPDIR %v: want both", left, stores)
	}

	second, out := run(ctx, "-update", src, dst)
	if err := second.Wait(); err != nil {
		t.Fatalf("the -update run: %v\n%s", err, out)
	}
	sameFiles(t, src, dst) // no temp file or assembly either
	if got := entries(t, tmp); len(got) != 0 {
		t.Errorf("left in TMPDIR after the -update run: %v", got)
	}
}

// entries lists the files and empty directories under root, apart from
// the embedded runs' shared parent directory, which may stay (empty).
func entries(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(root, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		if d.IsDir() {
			es, _ := os.ReadDir(p)
			if len(es) > 0 || p == root || strings.HasPrefix(rel, "jetcp-embedded-") && !strings.Contains(rel, "/") {
				return nil
			}
		}
		got = append(got, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
