package cli

import (
	"os"
	"runtime/debug"
	"testing"
)

// The committer's heap goal is capped at committerSoftLimit unless
// GOMEMLIMIT says otherwise; a lower limit (a small cgroup's) stays.
func TestCommitterHeapLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	t.Setenv("GOMEMLIMIT", "") // restored after the test
	os.Unsetenv("GOMEMLIMIT")

	debug.SetMemoryLimit(1 << 40)
	limitCommitterHeap()
	if got := debug.SetMemoryLimit(-1); got != committerSoftLimit {
		t.Errorf("limit %d, want %d", got, committerSoftLimit)
	}
	debug.SetMemoryLimit(64 << 20)
	limitCommitterHeap()
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("a lower limit became %d, want it kept (%d)", got, 64<<20)
	}
	os.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	limitCommitterHeap()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT set the limit became %d, want it left at 1 GiB", got)
	}
}
