package lister

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// Plan is a validated job: every source exists, and where each lands is known.
type Plan struct {
	Job    *messages.Job
	Roots  []Root
	Filter *filter.Filter
	// Target is the target's state before the copy, which decided the
	// landing (shown in a plan; a copy does not need it again).
	Target distcp.TargetState
	// Notes are remarks for the log (-v) on what the plan decided that the
	// command line does not say.
	Notes []string
	// Warnings are shown without -v: the plan may not do what the user
	// meant.
	Warnings []string
	// manifest, with fromManifest, are the entries --copy-from-manifest
	// names: the listing enqueues them instead of walking Roots, which
	// then only place entries that name no target.
	manifest     []manifestEntry
	fromManifest bool
	// diff is -diff's plan (diff.go): the listing applies it instead of
	// walking Roots.
	diff *diffPlan
}

// Root is one source and where its tree lands.
type Root struct {
	Src  fs.URI
	Dst  fs.URI // under the job's write root
	Info fs.FileInfo
	// DstMissing says MakePlan's lookups already show Dst missing (a
	// missing target or -atomic work tree); DstKnown, that they settle it
	// either way (Dst is the existing target itself). Otherwise Submit
	// looks.
	DstMissing, DstKnown bool
	// Rule is DistCp's rule that placed Dst, for a plan shown to people
	// (lister config, --dry-run).
	Rule distcp.Rule
}

// MakePlan resolves sources (-f lists, globs), checks them and the target,
// and decides where each source lands, all before anything is enqueued.
// Every problem it finds is a UsageError (exit status 2).
func MakePlan(ctx context.Context, reg *fs.Registry, cfg Config, now time.Time) (*Plan, error) {
	o := withDefaults(cfg)
	names, err := sourceNames(ctx, reg, cfg)
	if err != nil {
		return nil, err
	}
	names, diff, err := diffSource(ctx, reg, cfg, names)
	if err != nil {
		return nil, err
	}
	flt, err := compileFilters(ctx, reg, cfg, &o)
	if err != nil {
		return nil, err
	}
	roots, err := resolveSources(ctx, reg, names)
	if err != nil {
		return nil, err
	}
	t, err := lookUpTarget(ctx, reg, cfg.Target, roots)
	if err != nil {
		return nil, err
	}
	job := &messages.Job{ID: messages.NewJobID(now), Created: now.UTC(), Target: t.uri.String(), Options: o}
	writeRoot, err := writeRootFor(cfg, t, job.ID)
	if err != nil {
		return nil, err
	}
	job.WriteRoot = writeRoot.String()
	land, err := landRoots(roots, t.uri, t.state(), o)
	if err != nil {
		return nil, err
	}
	job.TargetIsDir = land.TargetIsDir
	if job.Options.Manifest, err = manifestDir(cfg, t.uri, job); err != nil {
		return nil, err
	}
	if job.Options.XTrack, err = xtrackDir(ctx, reg, cfg.Options.XTrack, t.uri); err != nil {
		return nil, err
	}
	placeRoots(roots, land, writeRoot, !t.exists || o.Atomic)
	for _, r := range roots {
		job.Sources = append(job.Sources, r.Src.String())
	}
	if err := checkDuplicates(ctx, reg, roots, writeRoot, flt); err != nil {
		return nil, err
	}
	plan := &Plan{Job: job, Roots: roots, Filter: flt, Target: t.state()}
	if err := plan.readManifest(ctx, reg, cfg.CopyFromManifest, writeRoot); err != nil {
		return nil, err
	}
	if err := plan.planDiff(ctx, reg, cfg, diff); err != nil {
		return nil, err
	}
	if o.Delete && t.exists && t.info.IsDir() {
		plan.Warnings = landingWarnings(ctx, reg, roots, writeRoot, t.fsys)
	}
	if land.OverwriteFile {
		job.Options.Overwrite = true
		plan.Notes = append(plan.Notes, fmt.Sprintf("target %s is an existing file: it is overwritten, as DistCp does", t.uri.Display()))
	}
	return plan, nil
}

// manifestDir is where the job's manifest goes (messages.Options.Manifest):
// --manifest, else the target directory's manifest.DirName; none for
// --no-manifest, a dry run, a verify job, -atomic (its results name the
// work tree, which the commit renames) or a target that is a file.
func manifestDir(cfg Config, target fs.URI, job *messages.Job) (string, error) {
	o := job.Options
	if cfg.NoManifest || o.DryRun || o.Verify || o.Atomic {
		return "", nil
	}
	if cfg.Manifest != "" {
		u, err := fs.ParseURI(cfg.Manifest)
		if err != nil {
			return "", usagef("--manifest %q: %v; give a directory URI such as cosn://bucket-appid/jetcp/manifests", cfg.Manifest, err)
		}
		return u.String(), nil
	}
	if !job.TargetIsDir {
		return "", nil
	}
	return manifest.Dir(target).String(), nil
}

// xtrackDir is -xtrack's directory as a URI the committer can reach,
// made now, so that one it cannot write is bad input found before the
// copy, not at its end; "" for none.
func xtrackDir(ctx context.Context, reg *fs.Registry, dir string, target fs.URI) (string, error) {
	if dir == "" {
		return "", nil
	}
	u, err := fs.ParseURI(dir)
	if err != nil {
		return "", usagef("-xtrack %s: %v", dir, err)
	}
	if target.Contains(u) {
		return "", usagef("-xtrack %s is inside the target %s: the list would count itself missing at the source; choose a directory outside the target", u.Display(), target.Display())
	}
	fsys, err := reg.FS(ctx, u)
	if err != nil {
		return "", usagef("-xtrack %s: %v", u.Display(), err)
	}
	if _, err := fs.MkdirAll(ctx, fsys, u.Path, 0o755); err != nil {
		return "", usagef("-xtrack %s: %v: give a directory jetcp can write", u.Display(), err)
	}
	return u.String(), nil
}

// withDefaults is the job's options with the defaults for what the command
// line left unset.
func withDefaults(cfg Config) messages.Options {
	o := cfg.Options
	if o.Attempts == 0 {
		o.Attempts = messages.DefaultAttempts
	}
	if o.CopyBufferSize == 0 {
		o.CopyBufferSize = messages.DefaultCopyBufferSize
	}
	if !cfg.ChunkSet {
		o.ChunkSize = messages.DefaultChunkSize
	}
	if o.BundleFiles == 0 {
		o.BundleFiles = messages.DefaultBundleFiles
	}
	if o.BundleBytes == 0 {
		o.BundleBytes = messages.DefaultBundleBytes
	}
	return o
}

// compileFilters reads the -filters file into o.Filters (the job carries
// the expressions, so every service filters alike) and compiles them.
func compileFilters(ctx context.Context, reg *fs.Registry, cfg Config, o *messages.Options) (*filter.Filter, error) {
	if cfg.Filters != "" {
		data, err := readSmallFile(ctx, reg, cfg.Filters, "-filters")
		if err != nil {
			return nil, err
		}
		// Expressions keep their spaces: only blank lines are dropped.
		if o.Filters, err = filter.Read(bytes.NewReader(data)); err != nil {
			return nil, usagef("-filters %s: %v", cfg.Filters, err)
		}
	}
	flt, err := filter.Compile(o.Filters)
	if err != nil {
		return nil, usagef("-filters %s: %v: fix or remove that line", cfg.Filters, err)
	}
	return flt, nil
}

// sourceNames are the sources as given: the command line's, or the -f
// list's.
func sourceNames(ctx context.Context, reg *fs.Registry, cfg Config) ([]string, error) {
	if cfg.SourceList == "" {
		return cfg.Sources, nil
	}
	return readSourceList(ctx, reg, cfg.SourceList)
}

// resolveSources expands sources (globs) into roots that exist.
func resolveSources(ctx context.Context, reg *fs.Registry, raw []string) ([]Root, error) {
	var roots []Root
	for _, s := range raw {
		found, err := resolveSource(ctx, reg, s)
		if err != nil {
			return nil, err
		}
		roots = append(roots, found...)
	}
	return roots, nil
}

// readSourceList reads a -f file: one source per line, blank lines
// ignored.
func readSourceList(ctx context.Context, reg *fs.Registry, name string) ([]string, error) {
	data, err := readSmallFile(ctx, reg, name, "-f")
	if err != nil {
		return nil, err
	}
	var raw []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			raw = append(raw, l)
		}
	}
	if len(raw) == 0 {
		return nil, usagef("-f %s lists no sources: put one path or URI per line", name)
	}
	return raw, nil
}

// target is what MakePlan learns of the target before landing sources.
type target struct {
	uri    fs.URI
	fsys   fs.FS
	exists bool
	info   fs.FileInfo
}

// state is the target's state as DistCp's landing rules see it.
func (t target) state() distcp.TargetState {
	switch {
	case t.exists && t.info.IsDir():
		return distcp.TargetDir
	case t.exists:
		return distcp.TargetFile
	}
	return distcp.TargetMissing
}

// lookUpTarget parses and stats the target, refusing one inside a source.
func lookUpTarget(ctx context.Context, reg *fs.Registry, raw string, roots []Root) (target, error) {
	u, err := parse(raw, "target")
	if err != nil {
		return target{}, err
	}
	tfs, err := reg.FS(ctx, u)
	if err != nil {
		return target{}, usagef("target %s: %v", raw, err)
	}
	for _, r := range roots {
		if r.Src.Contains(u) {
			return target{}, usagef("target %s is inside source %s: the copy would copy itself; choose a target outside the source", u.Display(), r.Src.Display())
		}
	}
	info, err := tfs.Stat(ctx, u.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return target{}, lookupErr("target "+u.Display(), err)
	}
	return target{uri: u, fsys: tfs, exists: err == nil, info: info}, nil
}

// writeRootFor is where the job writes: the target, or with -atomic a
// work tree beside it (or under -tmp) that the commit renames.
func writeRootFor(cfg Config, t target, jobID string) (fs.URI, error) {
	if !cfg.Options.Atomic {
		return t.uri, nil
	}
	if t.exists {
		return fs.URI{}, usagef("-atomic needs a target that does not exist yet, and %s exists: choose a new path", t.uri.Display())
	}
	work := t.uri.Dir()
	if cfg.Tmp != "" {
		var err error
		if work, err = parse(cfg.Tmp, "-tmp"); err != nil {
			return fs.URI{}, err
		}
		if !work.SameFS(t.uri) {
			return fs.URI{}, usagef("-tmp %s must be on the target's file system (%s://%s) so the work tree can be renamed", cfg.Tmp, t.uri.Scheme, t.uri.Host)
		}
	}
	return work.Join(".jetcp.atomic." + jobID), nil
}

// placeRoots sets each root's Dst under writeRoot as land decided, and
// what MakePlan's lookups already say of it: below a missing write root
// (allMissing) everything is missing.
func placeRoots(roots []Root, land distcp.Landing, writeRoot fs.URI, allMissing bool) {
	for i := range roots {
		r := &roots[i]
		r.Dst = writeRoot.Join(r.Src.Base())
		r.Rule = land.Rules[i]
		if land.InTarget[i] {
			r.Dst = writeRoot // contents land in the target itself
		}
		r.DstMissing = allMissing
		r.DstKnown = r.DstMissing || r.Dst == writeRoot
	}
}

// landRoots decides where the sources land (distcp.Land), wording a
// target that cannot take them as a usage error.
func landRoots(roots []Root, target fs.URI, state distcp.TargetState, o messages.Options) (distcp.Landing, error) {
	isDir := make([]bool, len(roots))
	for i, r := range roots {
		isDir[i] = r.Info.IsDir()
	}
	land, err := distcp.Land(isDir, state, o.Update, o.Overwrite)
	switch {
	case errors.Is(err, distcp.ErrDirIntoFile):
		return land, usagef("target %s is a file, and a directory cannot be copied into a file: give a directory target", target.Display())
	case errors.Is(err, distcp.ErrManyIntoFile):
		return land, usagef("target %s is a file, and %d sources need a directory target", target.Display(), len(roots))
	case err != nil:
		return land, fmt.Errorf("landing: %w", err)
	}
	return land, nil
}

func parse(s, what string) (fs.URI, error) {
	u, err := fs.ParseURI(s)
	if err != nil {
		return u, usagef("%s: %v", what, err)
	}
	return u, nil
}

// resolveSource expands one source (a glob matches one or more) and stats it.
func resolveSource(ctx context.Context, reg *fs.Registry, s string) ([]Root, error) {
	u, err := parse(s, "source")
	if err != nil {
		return nil, err
	}
	sfs, err := reg.FS(ctx, u)
	if err != nil {
		return nil, usagef("source %s: %v", s, err)
	}
	paths := []string{u.Path}
	if fs.HasMeta(u.Path) {
		if paths, err = fs.Glob(ctx, sfs, u.Path); err != nil {
			return nil, usagef("source %s: %v", s, err)
		}
		if len(paths) == 0 {
			return nil, usagef("source %s matches nothing: check the pattern", s)
		}
	}
	var roots []Root
	for _, p := range paths {
		su := u
		su.Path = p
		fi, err := sfs.Stat(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("source %s does not exist: check the path", su.Display())
		}
		if err != nil {
			return nil, lookupErr("source "+su.Display(), err)
		}
		roots = append(roots, Root{Src: su, Info: fi})
	}
	return roots, nil
}

// lookupErr words a failed Stat: refused access is the user's to fix (exit
// 2); a server failing is not bad input (exit 1).
func lookupErr(what string, err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNoFileSystem) {
		return usagef("%s: %v", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readSmallFile reads a list file (-f, -filters) from any file system.
func readSmallFile(ctx context.Context, reg *fs.Registry, name, what string) ([]byte, error) {
	u, err := parse(name, what)
	if err != nil {
		return nil, err
	}
	fsys, err := reg.FS(ctx, u)
	if err != nil {
		return nil, usagef("%s %s: %v", what, name, err)
	}
	r, err := fsys.Open(ctx, u.Path, 0)
	if err != nil {
		return nil, usagef("%s %s: cannot read it: %v", what, name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, usagef("%s %s: cannot read it: %v", what, name, err)
	}
	return data, nil
}

// Describe is a one-line summary of the plan for logs.
func (p *Plan) Describe() string {
	var b strings.Builder
	for i, r := range p.Roots {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s -> %s", r.Src.Display(), r.Dst.Display())
	}
	return b.String()
}

// landingWarnings warns of -update/-overwrite -delete jobs that would
// delete a whole earlier copy: a directory source SRC merges into DST
// itself, so a DST/SRC made by an earlier plain copy (which lands there)
// is not in the source, and -delete removes it with everything in it.
func landingWarnings(ctx context.Context, reg *fs.Registry, roots []Root, writeRoot fs.URI, tfs fs.FS) []string {
	var w []string
	for _, r := range roots {
		if !r.Info.IsDir() || r.Dst != writeRoot {
			continue
		}
		earlier := writeRoot.Join(r.Src.Base())
		if fi, err := tfs.Stat(ctx, earlier.Path); err != nil || !fi.IsDir() {
			continue
		}
		sfs, err := reg.FS(ctx, r.Src)
		if err != nil {
			continue
		}
		if _, err := sfs.Stat(ctx, r.Src.Join(r.Src.Base()).Path); !errors.Is(err, fs.ErrNotExist) {
			continue // the source has it too: nothing is deleted for it
		}
		w = append(w, fmt.Sprintf("-delete: the contents of %s land in %s itself (DistCp's rule with -update and -overwrite), so %s, which the source does not have, will be deleted with everything in it; if it is an earlier copy of %s to update, give %s as the target instead",
			r.Src.Display(), writeRoot.Display(), earlier.Display(), r.Src.Display(), earlier.Display()))
	}
	return w
}
