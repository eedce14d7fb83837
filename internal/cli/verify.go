package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/internal/jobrun"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// VerifyUsage is `lister verify -h`.
const VerifyUsage = `usage: lister verify [options] SRC... DST

Proves a copy without copying: each source entry is compared with where a
copy with the same options would put it, and lands in one category:
  same, missing (at the target), extra (at the target only, where -delete
  would look), size-differs, checksum-differs, type-differs (a file on one
  side, a directory on the other), unverifiable (no proof without reading;
  the reason says which), error.
Nothing is written at the target. It runs as work items on copiers, like a
copy (--nats URL: on the copier services).

The proof per file, cheapest first (the report counts each):
  metadata     presence, type or size settles it
  origin       the target's recorded origin (files jetcp wrote) names the
               source as it is now: no data read on either side
  kept         the CRC32C both sides keep (jetcp's records, COS's checksum
               header): no data read
  read-source  the target keeps a CRC32C, the source is read (never the target)
  crc64        a COS object with no CRC32C: COS's CRC64 of it against the
               source's, read (never the object)
  read-target, read-both   only with --read-both

Options: a copy's (lister -h): the landing rules (-update: the contents land
in DST), -f, -filters, -skipcrccheck (sizes only), --trust-mtime, -m, -v,
-log DIR (per-entry lines with category and proof), --report-json FILE,
--nats URL, and:
  --read-both           read files on both sides when no kept checksum settles
                        a comparison (else they are unverifiable)
  --differences FILE    write one JSON line per entry that is not the same:
                        {"src","dst","category","reason","size"}
Ignored, with a warning: -delete (extras are always reported), -p (attributes
are not compared yet), -direct, --chunk-size, -blocksperchunk.
Refused: -atomic, -tmp, -async, --dry-run, --copy-from-manifest, --verify.
To re-copy what differs: lister -update --copy-from-manifest FILE SRC... DST
with FILE from --differences.

Exit status: 0 when every entry is the same, 1 when differences were found
(or entries could not be compared), 2 for bad input, 130 when interrupted.
`

// listerVerify runs `lister verify [options] SRC... DST`.
func listerVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := lister.ParseVerifyArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "lister verify: %v\n", err)
		return ExitUsage
	}
	if cfg.Help {
		fmt.Fprint(stdout, VerifyUsage)
		return ExitOK
	}
	if cfg.PrintConfig {
		return showConfig(ctx, cfg, stdout, stderr, false, "lister verify")
	}
	return (&verifyCommand{copyCommand: newCopyCommand(args, cfg, stdout, stderr)}).run(ctx)
}

// verifyCommand is lister verify: a copy command whose job compares.
type verifyCommand struct {
	*copyCommand
	diffs    []messages.Difference // the first maxShownDifferences, for the summary
	ndiffs   int64
	diffFile *json.Encoder
	logFile  *json.Encoder
	// under is the one directory source's landing below an existing
	// target (DistCp's rule without -update), for the hint when nothing
	// is found there.
	under string
}

// maxShownDifferences caps the differences the summary lists.
const maxShownDifferences = 20

func (v *verifyCommand) run(ctx context.Context) (code int) {
	reg := Registry(hadoopconf.Source{Getenv: os.Getenv, Set: v.cfg.HadoopSet}, v.log)
	defer reg.Close()
	plan, err := lister.MakePlan(ctx, reg, v.cfg, time.Now())
	if err != nil {
		fmt.Fprintf(v.stderr, "lister verify: %v\n", err)
		if lister.IsUsage(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	v.remarks(plan.Notes, plan.Warnings)
	if len(plan.Roots) == 1 && plan.Roots[0].Rule == distcp.RuleUnderDir && plan.Roots[0].Info.IsDir() {
		v.under = plan.Roots[0].Dst.Display()
	}
	if bad, ok := v.checkReportJSON(); !ok {
		return bad
	}
	closeOutputs, bad, ok := v.openOutputs(ctx, reg, plan.Job.ID)
	if !ok {
		return bad
	}
	defer func() { code = max(code, closeOutputs()) }()
	rep, err := v.runJob(ctx, reg, plan)
	if err != nil {
		fmt.Fprintf(v.stderr, "lister verify: %v\n", err)
		return runError(ctx, err)
	}
	return v.report(ctx, rep)
}

// runJob runs the verify job of plan, noting its differences (onEvent).
func (v *verifyCommand) runJob(ctx context.Context, reg *fs.Registry, plan *lister.Plan) (*messages.Report, error) {
	opts := v.options(plan, nil)
	opts.Results = v.onEvent
	return jobrun.Run(ctx, reg, plan, v.log, opts)
}

// openOutputs opens --differences and -log now, so that a path that
// cannot be written is bad input before anything runs; the function it
// returns closes them and says whether that failed.
func (v *verifyCommand) openOutputs(ctx context.Context, reg *fs.Registry, job string) (func() int, int, bool) {
	var closers []func() error
	closeAll := func() int {
		code := ExitOK
		for _, c := range closers {
			if err := c(); err != nil {
				fmt.Fprintf(v.stderr, "lister verify: %v\n", err)
				code = ExitFailed
			}
		}
		return code
	}
	if p := v.cfg.Differences; p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintf(v.stderr, "lister verify: --differences %s: %v: give a writable file path\n", p, err)
			return nil, ExitUsage, false
		}
		v.diffFile = json.NewEncoder(f)
		closers = append(closers, func() error { return closeErr("--differences", f.Close()) })
	}
	if v.cfg.LogDir != "" {
		f, bad, ok := v.openLog(ctx, reg, job)
		if !ok {
			closeAll()
			return nil, bad, false
		}
		v.logFile = json.NewEncoder(f)
		closers = append(closers, func() error { return closeErr("-log", f.Close()) })
	}
	return closeAll, 0, true
}

func closeErr(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// verifyLogEntry is a verify job's -log line: a copy's, with the category
// and the proof.
type verifyLogEntry struct {
	jobclient.LogEntry
	Category string `json:"category"`
	Proof    string `json:"proof,omitempty"`
	Copier   string `json:"copier,omitempty"` // the copier that compared it
}

// onEvent writes each result's entries to -log and its differences to
// --differences, and keeps the first few for the summary.
func (v *verifyCommand) onEvent(ev *messages.Event) error {
	if ev.Type != messages.EventResult || ev.Result == nil {
		return nil
	}
	for r := range ev.Result.Entries() {
		cat := r.Category
		if cat == "" {
			cat = messages.CategoryError
		}
		if v.logFile != nil {
			if err := v.logFile.Encode(verifyLogEntry{jobclient.LogLine(ev.Time, r), cat, r.Proof, ev.Result.Copier}); err != nil {
				return fmt.Errorf("write -log: %w", err)
			}
		}
		if cat == messages.CategorySame {
			continue
		}
		reason := r.Reason
		if r.Error != "" {
			reason = r.Error
		}
		if err := v.difference(messages.Difference{Src: r.Src, Dst: r.Dst, Category: cat, Reason: reason, Size: r.Size, Dir: r.Kind == messages.KindDir}); err != nil {
			return err
		}
	}
	return nil
}

// difference records one entry that is not the same.
func (v *verifyCommand) difference(d messages.Difference) error {
	v.ndiffs++
	if len(v.diffs) < maxShownDifferences {
		v.diffs = append(v.diffs, d)
	}
	if v.diffFile != nil {
		if err := v.diffFile.Encode(d); err != nil {
			return fmt.Errorf("write --differences: %w", err)
		}
	}
	return nil
}

// report adds the extras, prints the summary, writes --report-json and
// says the exit status.
func (v *verifyCommand) report(ctx context.Context, rep *messages.Report) int {
	if err := v.noteExtras(rep); err != nil {
		fmt.Fprintf(v.stderr, "lister verify: %v\n", err)
		return ExitFailed
	}
	v.printSummary(rep, "lister verify")
	v.hintLanding(rep.Verify)
	if v.cfg.ReportJSON != "" {
		if err := writeJSON(v.cfg.ReportJSON, rep); err != nil {
			fmt.Fprintf(v.stderr, "lister verify: --report-json: %v\n", err)
			return ExitFailed
		}
	}
	if ctx.Err() != nil && rep.State == messages.StateCanceled {
		fmt.Fprintf(v.stderr, "lister verify: interrupted: the counts are of the entries compared so far\n")
		return ExitInterrupted
	}
	return verifyExit(rep)
}

// noteExtras makes sure rep has a verification and records its extras
// as differences.
func (v *verifyCommand) noteExtras(rep *messages.Report) error {
	if rep.Verify == nil {
		rep.Verify = &messages.Verification{}
	}
	for _, d := range rep.Verify.Extras {
		if err := v.difference(d); err != nil {
			return err
		}
	}
	return nil
}

// printSummary prints the verify summary and the first differences; who
// prefixes the remark on extras not listed.
func (v *verifyCommand) printSummary(rep *messages.Report, who string) {
	PrintVerifyReport(v.stdout, rep)
	if n := rep.Verify.Categories[messages.CategoryExtra].Entries; n > int64(len(rep.Verify.Extras)) {
		fmt.Fprintf(v.stderr, "%s: %d extra entries found; the report lists the first %d\n", who, n, len(rep.Verify.Extras))
	}
	v.printDifferences()
}

// hintLanding explains a verify that found nothing where the source
// lands: a copy into a then-missing target put the source's contents at
// the target, but with the target now there DistCp's rule lands the source
// below it, as a second copy would.
func (v *verifyCommand) hintLanding(ver *messages.Verification) {
	var total int64
	for _, c := range ver.Categories {
		total += c.Entries
	}
	missing := ver.Categories[messages.CategoryMissing].Entries
	if v.under == "" || total == 0 || missing+ver.Categories[messages.CategoryExtra].Entries != total {
		return
	}
	fmt.Fprintf(v.stderr, "lister verify: nothing found at %s: the target exists, so the source lands below it by its name (DistCp's rule); "+
		"to verify a copy made into a then-missing target, add -update\n", v.under)
}

// printDifferences lists the first differences found.
func (v *verifyCommand) printDifferences() {
	if v.ndiffs == 0 {
		return
	}
	more := ""
	if v.cfg.Differences != "" {
		more = "; all in " + v.cfg.Differences
	} else if v.ndiffs > int64(len(v.diffs)) {
		more = "; --differences FILE writes all"
	}
	fmt.Fprintf(v.stdout, "Differences (%d of %d%s):\n", len(v.diffs), v.ndiffs, more)
	for _, d := range v.diffs {
		where := display(d.Dst)
		if d.Src != "" {
			where = display(d.Src) + " -> " + where
		}
		fmt.Fprintf(v.stdout, "\t%-16s %s: %s\n", d.Category, where, d.Reason)
	}
}

// verifyExit is 0 only when the job succeeded and every entry is the same.
func verifyExit(rep *messages.Report) int {
	if rep.State != messages.StateSucceeded {
		return ExitFailed
	}
	for cat, c := range rep.Verify.Categories {
		if cat != messages.CategorySame && c.Entries > 0 {
			return ExitFailed
		}
	}
	return ExitOK
}

// PrintVerifyReport prints a verify job's summary: entries and bytes per
// category, and how they were proven.
func PrintVerifyReport(w io.Writer, r *messages.Report) {
	v := r.Verify
	if v == nil {
		v = &messages.Verification{}
	}
	verdict := "ALL SAME"
	if verifyExit(&messages.Report{State: messages.StateSucceeded, Verify: v}) != ExitOK {
		verdict = "DIFFERENCES FOUND"
	}
	if r.State != messages.StateSucceeded {
		verdict = "VERIFY " + r.State
	}
	fmt.Fprintf(w, "jetcp verify %s: %s\n", r.Job, verdict)
	fmt.Fprintf(w, "\t%-17s %10s %12s\n", "Category", "Entries", "Bytes")
	var total messages.CategoryCount
	for _, cat := range messages.Categories {
		c := v.Categories[cat]
		total.Entries += c.Entries
		total.Bytes += c.Bytes
		fmt.Fprintf(w, "\t%-17s %10d %12s\n", cat, c.Entries, humanBytes(c.Bytes))
	}
	fmt.Fprintf(w, "\t%-17s %10d %12s\n", "total", total.Entries, humanBytes(total.Bytes))
	fmt.Fprintf(w, "\t%-17s", "Proofs")
	for _, p := range messages.Proofs {
		if n := v.Proofs[p]; n > 0 {
			fmt.Fprintf(w, " %s %d", p, n)
		}
	}
	fmt.Fprintf(w, "\n\t%-17s %.3fs\n", "Duration", r.DurationSeconds)
	for _, f := range r.Failures {
		if f.Src == "" {
			fmt.Fprintf(w, "\t%s\n", f.Error)
		}
	}
}
