package cli_test

import (
	iofs "io/fs"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// dirTree is chunkTree (nested and empty directories, bundles of small
// files, chunked files) plus more directories, each holding a few small
// files, so that many copies make the same directories at once. It
// returns the number of files, their bytes and the number of directories,
// the root included.
func dirTree(t *testing.T, root string) (files int, bytes int64, dirs int) {
	files, bytes = chunkTree(t, root)
	for i := range 12 {
		for j := range 3 {
			writeFile(t, filepath.Join(root, "many", "d"+strconv.Itoa(i), "sub", "f"+strconv.Itoa(j)), []byte("x"))
			files++
			bytes++
		}
	}
	err := filepath.WalkDir(root, func(_ string, d iofs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, bytes, dirs
}

// dirs_created counts each directory of the listing that the job made at
// the target once, whichever copies made it (a directory's own item, a
// file's or a chunk's missing parents), and not the target's parents; a
// second -update run makes none.
func TestDirsCreatedOnce(t *testing.T) {
	for _, target := range []string{"local", "COS", "HDFS"} {
		t.Run(target, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			files, bytes, dirs := dirTree(t, src)
			var dst string
			chunks := []string{"--chunk-size", "1MiB"}
			switch target {
			case "local":
				dst = filepath.Join(t.TempDir(), "parent", "dst")
			case "COS":
				cosEnv(t)
				dst = "cosn://" + cosBucket + "/parent/dst"
			case "HDFS":
				dst = "hdfs://" + startHDFS(t).Addr() + "/parent/dst"
				chunks = nil // HDFS targets take files whole
			}
			code, rep, out := runReport(t, append(chunks, "-m", "8", src, dst)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d\n%s", code, out)
			}
			wantCounts(t, rep, int64(files), 0, 0)
			addsUp(t, rep, int64(files), bytes)
			if rep.DirsCreated != int64(dirs) {
				t.Errorf("dirs created %d, want %d", rep.DirsCreated, dirs)
			}
			code, rep, out = runReport(t, append(chunks, "-m", "8", "-update", src, dst)...)
			if code != cli.ExitOK {
				t.Fatalf("-update: exit %d\n%s", code, out)
			}
			wantCounts(t, rep, 0, int64(files), 0)
			addsUp(t, rep, int64(files), bytes)
			if rep.DirsCreated != 0 {
				t.Errorf("-update: dirs created %d, want 0", rep.DirsCreated)
			}
		})
	}
}
