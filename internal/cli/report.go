package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/jetcp/jetcp/messages"
)

// PrintReport prints DistCp-like counters; a verify job's report, its
// summary (PrintVerifyReport).
func PrintReport(w io.Writer, r *messages.Report, dryRun bool) {
	if r.Verify != nil {
		PrintVerifyReport(w, r)
		return
	}
	title := "jetcp job " + r.Job + ": " + strings.ToUpper(r.State)
	if dryRun {
		title += " (dry run: nothing was changed; counts are what would happen)"
	}
	fmt.Fprintln(w, title)
	rows := []struct {
		k string
		v any
	}{
		{"Files copied", r.FilesCopied},
		{"Files skipped", r.FilesSkipped},
		{"Files failed", r.FilesFailed},
		{"Dirs created", r.DirsCreated},
		{"Dirs failed", r.DirsFailed},
		{"Files deleted", r.FilesDeleted},
		{"Bytes copied", r.BytesCopied},
		{"Bytes skipped", r.BytesSkipped},
		{"Bytes failed", r.BytesFailed},
		{"Bytes expected", r.BytesExpected},
		{"Retries", fmt.Sprintf("%d (%d files)", r.Retries, r.FilesRetried)},
		{"Duration", fmt.Sprintf("%.3fs", r.DurationSeconds)},
	}
	if !dryRun { // a dry run copies nothing: no throughput, no slowest copies
		rows = append(rows, struct {
			k string
			v any
		}{"Throughput", throughput(r)})
	}
	for _, row := range rows {
		fmt.Fprintf(w, "\t%-15s %v\n", row.k, row.v)
	}
	if len(r.Slowest) > 0 && !dryRun {
		fmt.Fprintf(w, "Slowest copies:\n")
		for _, f := range r.Slowest {
			retry := ""
			if f.Attempt > 1 {
				retry = fmt.Sprintf(", attempt %d", f.Attempt)
			}
			fmt.Fprintf(w, "\t%8.3fs %10s  %s%s\n", float64(f.DurationMS)/1000, humanBytes(f.Size), display(f.Src), retry)
		}
	}
	if len(r.Failures) > 0 {
		if n := r.FilesFailed + r.DirsFailed; int64(len(r.Failures)) < n {
			fmt.Fprintf(w, "Failures (first %d of %d):\n", len(r.Failures), n)
		} else {
			fmt.Fprintf(w, "Failures:\n")
		}
		for _, f := range r.Failures {
			switch {
			case f.Src != "":
				fmt.Fprintf(w, "\t%s -> %s: %s\n", display(f.Src), display(f.Dst), f.Error)
			case f.Dst != "":
				fmt.Fprintf(w, "\t%s: %s\n", display(f.Dst), f.Error)
			default:
				fmt.Fprintf(w, "\t%s\n", f.Error)
			}
		}
	}
}

func throughput(r *messages.Report) string {
	if r.DurationSeconds <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB/s", float64(r.BytesCopied)/(1<<20)/r.DurationSeconds)
}
