package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/lister"
)

// PlanView is where a command line's sources land and by which of
// DistCp's rules: `lister config` and --dry-run show it, since the same
// command lands a directory elsewhere once its target exists.
type PlanView struct {
	Target      string     `json:"target"`
	TargetState string     `json:"target_state,omitempty"`
	Sources     []PlanRoot `json:"sources,omitempty"`
	Notes       []string   `json:"notes,omitempty"`
	Warnings    []string   `json:"warnings,omitempty"`
	// Error says why no plan could be made (what the copy would refuse).
	Error string `json:"error,omitempty"`
}

// PlanRoot is one source and where it lands.
type PlanRoot struct {
	Src  string `json:"src"`
	Kind string `json:"kind"` // file or directory
	Dst  string `json:"dst"`
	Rule string `json:"rule"`
}

// planTimeout bounds the lookups `lister config` makes for the plan: it
// reports the configuration even where a file system does not answer.
const planTimeout = 20 * time.Second

var targetStates = map[distcp.TargetState]string{
	distcp.TargetMissing: "missing",
	distcp.TargetDir:     "an existing directory",
	distcp.TargetFile:    "an existing file",
}

// NewPlanView describes plan. With -atomic each source is shown where it
// ends up, not in the work tree the copy builds first.
func NewPlanView(plan *lister.Plan) PlanView {
	job := plan.Job
	v := PlanView{Target: display(job.Target), TargetState: targetStates[plan.Target],
		Notes: plan.Notes, Warnings: plan.Warnings}
	for _, r := range plan.Roots {
		dst := r.Dst.String()
		if job.WriteRoot != job.Target {
			dst = job.Target + strings.TrimPrefix(dst, job.WriteRoot)
		}
		kind := "file"
		if r.Info.IsDir() {
			kind = "directory"
		}
		v.Sources = append(v.Sources, PlanRoot{Src: display(r.Src.String()), Kind: kind, Dst: display(dst), Rule: r.Rule.String()})
	}
	if job.WriteRoot != job.Target {
		v.Notes = append(v.Notes, fmt.Sprintf("-atomic: the copy is built in %s and renamed to %s at the end", display(job.WriteRoot), v.Target))
	}
	return v
}

// resolvePlan makes cfg's plan as a copy would, looking at the sources
// and the target, and describes it; nil when the command line names no
// target.
func resolvePlan(ctx context.Context, cfg lister.Config, stderr io.Writer) *PlanView {
	if cfg.Target == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, planTimeout)
	defer cancel()
	log := newLogger(stderr, isTerminalWriter(stderr), cfg.Options.Verbose)
	reg := Registry(hadoopconf.Source{Getenv: os.Getenv, Set: cfg.HadoopSet}, log)
	defer reg.Close()
	plan, err := lister.MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		return &PlanView{Target: display(cfg.Target), Error: err.Error()}
	}
	v := NewPlanView(plan)
	return &v
}

// PrintPlan writes the plan as text: the target, then each source, where
// it lands and the rule that put it there.
func PrintPlan(w io.Writer, v PlanView) {
	fmt.Fprintln(w, "Plan")
	if v.Error != "" {
		fmt.Fprintf(w, "  none: %s\n", v.Error)
		return
	}
	fmt.Fprintf(w, "  target %s (%s)\n", v.Target, v.TargetState)
	for _, r := range v.Sources {
		fmt.Fprintf(w, "  %s (%s) -> %s\n    %s\n", r.Src, r.Kind, r.Dst, r.Rule)
	}
	for _, n := range v.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, n := range v.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", n)
	}
}
