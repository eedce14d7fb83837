package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// results is a whole run, printed as a table and optionally JSON.
type results struct {
	Files   int           `json:"files"`
	LoadAvg []string      `json:"loadavg_before_after"` // /proc/loadavg: the machine is shared
	Workers int           `json:"workers"`
	Storage string        `json:"storage"`
	Modes   []*modeResult `json:"modes"`
}

// printTable prints one column per mode and one row per measurement.
func printTable(out io.Writer, r *results) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, cell func(m *modeResult) string) {
		fmt.Fprint(tw, name+"\t")
		for _, m := range r.Modes {
			fmt.Fprint(tw, cell(m)+"\t")
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(out, "%d files, -m %d, on a %s; load average before / after: %s\n", r.Files, r.Workers, r.Storage, strings.Join(r.LoadAvg, " / "))
	row("", func(m *modeResult) string { return m.Mode })
	row("files", func(*modeResult) string { return fmt.Sprint(r.Files) })
	row("wall s", func(m *modeResult) string { return fmt.Sprintf("%.1f", m.WallSeconds) })
	row("files/s", func(m *modeResult) string { return fmt.Sprintf("%.0f", m.FilesPerSecond) })
	row("listing s", func(m *modeResult) string { return fmt.Sprintf("%.1f", m.ListingSeconds) })
	row("listing files/s", func(m *modeResult) string { return fmt.Sprintf("%.0f", m.ListingFilesPerSec) })
	row("copy s (lister start -> copier done)", func(m *modeResult) string { return optional(m.CopySeconds, "%.1f") })
	row("copy files/s", func(m *modeResult) string { return optional(m.CopyFilesPerSec, "%.0f") })
	for _, name := range processNames(r.Modes) {
		row("peak RSS MiB "+name, func(m *modeResult) string {
			for _, p := range m.PeakRSSKiB {
				if p.Process == name {
					return fmt.Sprintf("%.0f", float64(p.KiB)/1024)
				}
			}
			return "-"
		})
	}
	for _, st := range []string{eventStream, workStream} {
		row(st+" B/file during (max)", func(m *modeResult) string { return perFile(m.During, st, r.Files) })
		row(st+" B/file after", func(m *modeResult) string { return perFile(m.After, st, r.Files) })
	}
	// Issue #22's budget is 64 B per file in JetStream while the job runs:
	// the two largest readings added (they need not coincide, so this is
	// an upper bound of the store's largest size).
	row("JetStream B/file during (events + work)", func(m *modeResult) string {
		if m.During == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(m.During[eventStream].Bytes+m.During[workStream].Bytes)/float64(r.Files))
	})
	row("stream bytes from", func(m *modeResult) string { return m.StreamSource })
	replayRows(row)
	updateRows(row)
	tw.Flush()
}

// updateRows are the -update job's replay, where there was one.
func updateRows(row func(string, func(*modeResult) string)) {
	rep := func(f func(*replayResult) string) func(*modeResult) string {
		return func(m *modeResult) string {
			if m.UpdateReplay == nil {
				return "-"
			}
			return f(m.UpdateReplay)
		}
	}
	row("-update job's events (msgs / MiB)", rep(func(p *replayResult) string {
		return fmt.Sprintf("%d / %.1f", p.EventsAtKill.Messages, float64(p.EventsAtKill.Bytes)/(1<<20))
	}))
	row("-update replay s (follow -> caught up)", rep(func(p *replayResult) string {
		if !p.CaughtUpObserved {
			return "not seen"
		}
		return fmt.Sprintf("%.1f", p.FollowSeconds)
	}))
	row("-update replay peak RSS MiB (at caught up)", rep(func(p *replayResult) string {
		return fmt.Sprintf("%.0f", float64(p.PeakKiBCaughtUp)/1024)
	}))
	row("-update committer peak RSS MiB (lifetime)", rep(func(p *replayResult) string {
		return fmt.Sprintf("%.0f", float64(p.PeakKiBLifetime)/1024)
	}))
}

func replayRows(row func(string, func(*modeResult) string)) {
	rep := func(f func(*replayResult) string) func(*modeResult) string {
		return func(m *modeResult) string {
			if m.Replay == nil {
				return "-"
			}
			return f(m.Replay)
		}
	}
	row("committer killed at files copied", rep(func(p *replayResult) string { return fmt.Sprintf("%.0f", p.KilledAtFiles) }))
	row("events then (msgs / MiB)", rep(func(p *replayResult) string {
		return fmt.Sprintf("%d / %.1f", p.EventsAtKill.Messages, float64(p.EventsAtKill.Bytes)/(1<<20))
	}))
	row("replay s (start -> caught up)", rep(func(p *replayResult) string {
		if !p.CaughtUpObserved {
			return "not seen"
		}
		return fmt.Sprintf("%.1f", p.Seconds)
	}))
	row("replay s (follow -> caught up)", rep(func(p *replayResult) string { return fmt.Sprintf("%.1f", p.FollowSeconds) }))
	row("replay peak RSS MiB (at caught up)", rep(func(p *replayResult) string { return fmt.Sprintf("%.0f", float64(p.PeakKiBCaughtUp)/1024) }))
}

// perFile is a stream's bytes per file, "-" when not measured.
func perFile(s map[string]streamSize, stream string, files int) string {
	if s == nil {
		return "-"
	}
	v, ok := s[stream]
	if !ok {
		return "0.0"
	}
	b := float64(v.Bytes) / float64(files)
	if b > 0 && b < 0.1 { // "after": a few events left, the per-file ones gone
		return fmt.Sprintf("%.4f", b)
	}
	return fmt.Sprintf("%.1f", b)
}

// processNames lists the measured processes of all modes, in order.
func processNames(modes []*modeResult) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range modes {
		for _, p := range m.PeakRSSKiB {
			if !seen[p.Process] {
				seen[p.Process] = true
				out = append(out, p.Process)
			}
		}
	}
	return out
}

// optional formats v, "-" for zero (not measured in this mode).
func optional(v float64, format string) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// loadAvg is /proc/loadavg's 1, 5 and 15 minute averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
