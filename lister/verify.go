package lister

import (
	"strings"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// ParseVerifyArgs parses `lister verify`'s command line (without
// "verify"): a copy's (ParseArgs), with the same landing rules, filters
// and -f lists, plus --read-both and --differences FILE. It makes the job
// a verify job (messages.Options.Verify, with DryRun so that no copier
// writes), refuses what a comparison cannot honour, and notes the copy
// options it ignores.
func ParseVerifyArgs(args []string) (Config, error) {
	var rest []string
	readBoth, differences := false, ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		switch {
		case !strings.HasPrefix(a, "-"):
		case name == "read-both" && !hasValue:
			readBoth = true
			continue
		case name == "differences" && hasValue:
			differences = value
			continue
		case name == "differences" && i+1 < len(args):
			differences = args[i+1]
			i++
			continue
		case name == "differences":
			return Config{}, usagef("--differences needs a file: --differences FILE gets one JSON line per entry that is not the same")
		}
		rest = append(rest, a)
	}
	c, err := ParseArgs(rest)
	if err != nil || c.Help || c.PrintConfig {
		return c, err
	}
	c.Differences, c.Options.ReadBoth = differences, readBoth
	if err := c.verifyMode(); err != nil {
		return c, err
	}
	return c, nil
}

// verifyMode turns a parsed copy into a verify job, or refuses it.
func (c *Config) verifyMode() error {
	o := &c.Options
	switch {
	case o.Atomic:
		return usagef("verify: -atomic copies to a new target; verify that target without -atomic (and -tmp)")
	case c.Async:
		return usagef("verify: -async does not wait for the comparison, whose exit status is the answer: drop -async")
	case o.DryRun:
		return usagef("verify: --dry-run is not needed: verify writes nothing anyway; drop it")
	case c.VerifyAfter:
		return usagef("verify: --verify is a copy's option (it verifies after copying): drop it")
	case c.CopyFromManifest != "":
		return usagef("verify: --copy-from-manifest is a copy's: verify the whole tree (the same SRC... DST) to prove the copy from it")
	}
	ignored := func(what, why string) {
		c.Warnings = append(c.Warnings, "verify: "+what+" ignored: "+why)
	}
	if o.Delete {
		ignored("-delete", "verify always reports target entries -delete would remove, as extra, and removes nothing")
		o.Delete = false
	}
	if o.Preserve.Any() {
		ignored("-p", "attributes are not compared yet, only presence, type, size and content")
		o.Preserve = messages.Preserve{}
	}
	if o.Direct {
		ignored("-direct", "verify writes nothing")
		o.Direct = false
	}
	if c.ChunkSet {
		ignored("--chunk-size and -blocksperchunk", "verify compares whole files")
	}
	if o.Overwrite {
		c.Notes = append(c.Notes, "verify: -overwrite lands sources as -update does, and compares the same")
	}
	if o.IgnoreFailures {
		c.Notes = append(c.Notes, "verify: -i changes nothing: entries that cannot be compared are reported as errors")
	}
	o.Verify, o.DryRun = true, true
	o.ChunkSize, o.BlocksPerChunk, c.ChunkSet = 0, 0, true
	return nil
}

// VerifyPlan is the verify job that proves what the copy of p did (a copy
// with --verify, after its commit): the same sources, landed where the
// copy landed them (a copy into a then-missing target put a directory's
// contents in it; planning the command line again would now look below
// it), under the target itself (an -atomic copy's work tree is renamed
// by then), with the options verify takes (see verifyMode). A copy from
// a manifest is proven over its sources' whole trees.
func VerifyPlan(p *Plan, now time.Time) *Plan {
	job := *p.Job
	job.ID, job.Created = messages.NewJobID(now), now.UTC()
	work, _ := fs.ParseURI(p.Job.WriteRoot)
	target, _ := fs.ParseURI(p.Job.Target)
	job.WriteRoot = p.Job.Target
	o := &job.Options
	o.Verify, o.DryRun = true, true
	o.Delete, o.Atomic, o.Direct, o.Preserve = false, false, false, messages.Preserve{}
	o.ChunkSize, o.BlocksPerChunk = 0, 0
	v := &Plan{Job: &job, Filter: p.Filter, Target: p.Target}
	job.Sources = nil
	for _, r := range p.Roots {
		if r.Info.IsDir() && r.Dst == work && !o.Overwrite {
			// The contents landed in the target itself (a copy into a then
			// missing target): the walk for extras must look there, as
			// it does with -update, not below the source's name.
			o.Update = true
		}
		r.Dst = target.Join(strings.TrimPrefix(r.Dst.Path, work.Path))
		r.DstMissing, r.DstKnown = false, false
		v.Roots = append(v.Roots, r)
		job.Sources = append(job.Sources, r.Src.String())
	}
	return v
}
