package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// This file describes the machine and picks the work directory.

// machineInfo is recorded with every result: numbers only compare on the
// same hardware, kernel, tool versions and file system.
type machineInfo struct {
	Date          string `json:"date"`
	Hostname      string `json:"hostname"`
	NProc         int    `json:"nproc"`
	CPUModel      string `json:"cpu_model,omitempty"`
	MemTotalBytes int64  `json:"mem_total_bytes"`
	Kernel        string `json:"kernel"`
	GoVersion     string `json:"go_version"`
	JetcpRevision string `json:"jetcp_revision,omitempty"`
	JetcpModified *bool  `json:"jetcp_modified,omitempty"`
	RcloneVersion string `json:"rclone_version,omitempty"`
	CPVersion     string `json:"cp_version,omitempty"`
	WorkDir       string `json:"work_dir"`
	FSType        string `json:"fs_type"`
	JetcpTmpDir   string `json:"jetcp_tmpdir"`
	JetcpTmpFS    string `json:"jetcp_tmpdir_fs_type"`
}

func describeMachine(ctx context.Context, workDir, jetcpTmp string) machineInfo {
	m := machineInfo{
		Date:      time.Now().UTC().Format(time.RFC3339),
		NProc:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		WorkDir:   workDir,
		FSType:    fsType(workDir),
	}
	m.Hostname, _ = os.Hostname()
	m.MemTotalBytes = meminfo("MemTotal")
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	// bench is built with the programs it times (go build ./cmd/...), so
	// its VCS stamp is theirs.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				m.JetcpRevision = s.Value
			case "vcs.modified":
				mod := s.Value == "true"
				m.JetcpModified = &mod
			}
		}
	}
	if m.JetcpRevision == "" { // built with -buildvcs=false: ask git (read-only)
		if out, err := untimed(ctx, []string{"git", "rev-parse", "HEAD"}, nil); err == nil {
			m.JetcpRevision = strings.TrimSpace(string(out))
			_, err := untimed(ctx, []string{"git", "diff", "--quiet", "HEAD", "--"}, nil)
			mod := err != nil
			m.JetcpModified = &mod
		}
	}
	if out, err := untimed(ctx, []string{"rclone", "version"}, nil); err == nil {
		m.RcloneVersion = firstLine(string(out))
	}
	if out, err := untimed(ctx, []string{"cp", "--version"}, nil); err == nil {
		m.CPVersion = firstLine(string(out))
	}
	m.JetcpTmpDir = jetcpTmp
	if jetcpTmp == "" {
		m.JetcpTmpDir = os.TempDir()
	}
	m.JetcpTmpFS = fsType(m.JetcpTmpDir)
	return m
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

// meminfo reads one /proc/meminfo field, in bytes (0 if unknown).
func meminfo(key string) int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || k != key {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		if len(f) > 1 && f[1] == "kB" {
			n <<= 10
		}
		return n
	}
	return 0
}

// fsType names the file system holding path, from statfs's magic number.
func fsType(path string) string {
	var st syscall.Statfs_t
	for p := path; ; p = filepath.Dir(p) {
		if err := syscall.Statfs(p, &st); err == nil {
			break
		} else if p == filepath.Dir(p) {
			return "unknown"
		}
	}
	switch uint32(st.Type) {
	case 0x01021994:
		return "tmpfs"
	case 0xEF53:
		return "ext4" // also ext2/ext3: one magic
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x794C7630:
		return "overlayfs"
	case 0x6969:
		return "nfs"
	case 0x65735546:
		return "fuse"
	case 0x2FC12FC1:
		return "zfs"
	case 0x858458F6:
		return "ramfs"
	case 0x01021997:
		return "9p"
	default:
		return fmt.Sprintf("0x%x", uint32(st.Type))
	}
}

// freeBytes is what an unprivileged writer may still put on path's file system.
func freeBytes(path string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0
	}
	return int64(st.Bavail) * st.Bsize
}

// chooseWorkDir is dir when given, else /dev/shm/jetcp-bench when /dev/shm
// has room for need bytes (and the RAM to back them), else
// $TMPDIR/jetcp-bench. The second result says why the fallback was taken.
func chooseWorkDir(dir string, need int64) (string, string) {
	if dir != "" {
		return dir, ""
	}
	const headroom = 1 << 30
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		free, avail := freeBytes("/dev/shm"), meminfo("MemAvailable")
		if free >= need+headroom && (avail == 0 || avail >= need+headroom) {
			return "/dev/shm/jetcp-bench", ""
		}
		return filepath.Join(os.TempDir(), "jetcp-bench"), fmt.Sprintf(
			"/dev/shm has %s free and %s of RAM available, the workloads need %s: using the disk, whose timings vary more",
			fmtBytes(free), fmtBytes(avail), fmtBytes(need))
	}
	return filepath.Join(os.TempDir(), "jetcp-bench"), "no /dev/shm: using the disk, whose timings vary more"
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// userHZ is the unit of /proc's CPU times (USER_HZ, 100 on every Linux
// architecture Go supports).
const userHZ = 100

// machineBusy is the CPU time all processes have used since boot (every
// /proc/stat "cpu" field but idle and iowait); false if unreadable.
func machineBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, false
	}
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already in user.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / userHZ, true
}

// processCPU is the user + system time of a running process (0 if gone).
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state); utime, stime are fields 14, 15
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / userHZ
}
