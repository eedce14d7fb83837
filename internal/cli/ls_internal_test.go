package cli

import (
	iofs "io/fs"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// Sizes as Hadoop's TraditionalBinaryPrefix.long2String(n, "", 1) prints
// them for hadoop fs -ls -h, including its rounding up to the next prefix.
func TestHadoopSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 1023: "1023", 1024: "1 K", 1536: "1.5 K", 1<<20 - 1: "1.0 M",
		3<<20 + 17: "3.0 M", 5 << 30: "5 G", 1<<40 + 1<<39: "1.5 T", 1 << 60: "1 E",
	} {
		if got := hadoopSize(n); got != want {
			t.Errorf("hadoopSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// Permissions as Hadoop's FsPermission prints them: the sticky bit in
// the last place.
func TestPermString(t *testing.T) {
	for mode, want := range map[iofs.FileMode]string{
		iofs.ModeDir | 0o755:                   "drwxr-xr-x",
		0o640:                                  "-rw-r-----",
		iofs.ModeDir | iofs.ModeSticky | 0o777: "drwxrwxrwt",
		iofs.ModeDir | iofs.ModeSticky | 0o776: "drwxrwxrwT",
	} {
		if got := permString(fs.FileInfo{Mode: mode}); got != want {
			t.Errorf("permString(%v) = %q, want %q", mode, got, want)
		}
	}
}
