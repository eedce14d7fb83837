package committer

import (
	"context"
	"fmt"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// verifyCommit is a verify job's commit phase (messages.Options.Verify):
// nothing is written at the target (no temp files to sweep, no rename, no
// directory attributes). The target is walked as -delete walks it, and
// what -delete would remove is reported extra instead (see remove); then
// the tally's categories go into the report.
func (j *job) verifyCommit(ctx context.Context) error {
	var err error
	if j.canceled == nil && (j.listed == nil || j.listed.Error == "") {
		err = j.deleteMissing(ctx)
	}
	j.tally.FillVerification(&j.report)
	if x := j.extras; x.Entries > 0 {
		j.report.Verify.Categories[messages.CategoryExtra] = x
	}
	if err != nil {
		return fmt.Errorf("verify: looking for extra entries: %w", err)
	}
	if n := j.tally.Verified.Uncategorized.Entries; n > 0 {
		return fmt.Errorf("verify: %d entries came back without a category: a copier from before verify mode did a dry run of them instead of comparing; upgrade the copiers and verify again", n)
	}
	return nil
}

// noteExtra counts a target entry no source has (what -delete would
// remove) as extra: one entry, with the bytes of the files in it, and
// lists the first messages.MaxReportExtras.
func (j *job) noteExtra(ctx context.Context, tfs fs.FS, fi fs.FileInfo) error {
	size := fi.Size
	if fi.IsDir() {
		if err := fs.Walk(ctx, tfs, fi.Path, func(e fs.FileInfo) error {
			size += e.Size
			return nil
		}); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	}
	j.extras.Entries++
	j.extras.Bytes += size
	if j.report.Verify == nil {
		j.report.Verify = &messages.Verification{}
	}
	if v := j.report.Verify; len(v.Extras) < messages.MaxReportExtras {
		u := j.root // a verify job's write root is its target
		u.Path = fi.Path
		v.Extras = append(v.Extras, messages.Difference{Dst: u.String(), Category: messages.CategoryExtra,
			Reason: "at the target only: no source has it", Size: size, Dir: fi.IsDir()})
	}
	return nil
}
