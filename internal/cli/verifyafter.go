package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// verification is the verify job a copy with --verify ran after its
// commit, and how to print its summary.
type verification struct {
	rep *messages.Report
	cmd *verifyCommand
}

// verifyAfter runs, for a copy with --verify that succeeded, the verify
// job lister verify would run on where the copy put each source
// (lister.VerifyPlan: the copy's landing, not the command line's again,
// which a now existing target would change). It returns the verification
// (nil when none ran) and its exit status: 0 when every entry is the
// same, else as lister verify's.
func (c *copyCommand) verifyAfter(ctx context.Context, reg *fs.Registry, plan *lister.Plan, rep *messages.Report) (*verification, int) {
	if !c.cfg.VerifyAfter || rep.State != messages.StateSucceeded || ctx.Err() != nil {
		return nil, ExitOK
	}
	vplan := lister.VerifyPlan(plan, time.Now())
	v := &verifyCommand{copyCommand: c}
	c.log.Info().Str("job", vplan.Job.ID).Msg("--verify: proving the copy")
	vrep, err := v.runJob(ctx, reg, vplan)
	if err != nil {
		fmt.Fprintf(c.stderr, "lister: --verify: %v\n", err)
		return nil, runError(ctx, err)
	}
	if err := v.noteExtras(vrep); err != nil {
		fmt.Fprintf(c.stderr, "lister: --verify: %v\n", err)
		return nil, ExitFailed
	}
	if ctx.Err() != nil {
		return &verification{vrep, v}, ExitInterrupted
	}
	return &verification{vrep, v}, verifyExit(vrep)
}

// print prints the verification's summary after the copy's report, and
// returns the copy's report with the verification in it (for
// --report-json): rep itself when there is none.
func (vf *verification) print(rep *messages.Report) *messages.Report {
	if vf == nil {
		return rep
	}
	vf.cmd.printSummary(vf.rep, "lister --verify")
	r := *rep
	r.Verify = vf.rep.Verify
	return &r
}
