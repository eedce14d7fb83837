package cli

import (
	"context"
	"os"
	"runtime/debug"
	"testing"
	"time"
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

// The lister's heap goal is listerSoftLimit while the live heap is small,
// twice the live heap past half of it, never above a lower limit found,
// and the limit found again after stop; GOMEMLIMIT set leaves it alone.
func TestListerHeapFollowsLiveHeap(t *testing.T) {
	if got := heapGoal(10 << 20); got != listerSoftLimit {
		t.Errorf("goal at 10 MiB live: %d, want %d", got, listerSoftLimit)
	}
	if got := heapGoal(1 << 30); got != 2<<30 {
		t.Errorf("goal at 1 GiB live: %d, want 2 GiB", got)
	}
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	t.Setenv("GOMEMLIMIT", "") // restored after the test
	os.Unsetenv("GOMEMLIMIT")

	debug.SetMemoryLimit(1 << 40)
	stop := followHeap(context.Background(), time.Millisecond)
	if got, want := debug.SetMemoryLimit(-1), heapGoal(liveHeap()); got != want || got < listerSoftLimit {
		t.Errorf("limit while following: %d, want %d", got, want)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("limit after stop: %d, want the one found (%d)", got, int64(1<<40))
	}
	debug.SetMemoryLimit(64 << 20)
	stop = followHeap(context.Background(), time.Millisecond)
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("a lower limit became %d, want it kept", got)
	}
	stop()
	os.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	followHeap(context.Background(), time.Millisecond)()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT set the limit became %d, want it left at 1 GiB", got)
	}
}
