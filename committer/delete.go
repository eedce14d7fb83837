package committer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/filter"
	"github.com/jetcp/jetcp/internal/manifest"
)

// source is one of the job's source roots, with whether it is a directory
// and, for one that lands below the target by its name, that name (at):
// its entries are then at rel "at/..." of the target.
type source struct {
	u   fs.URI
	fs  fs.FS
	dir bool
	at  string
}

// pathAt is the source's path for the target's rel.
func (s source) pathAt(rel string) fs.URI {
	if s.at != "" {
		rel = strings.TrimPrefix(strings.TrimPrefix(rel, s.at), "/")
	}
	return s.u.Join(rel)
}

// landsUnderName tells whether directory sources land below the target by
// their names (DistCp's rule for an existing directory target without
// -update or -overwrite) rather than merging their contents into it. Only
// a verify job walks the target then: -delete needs -update or -overwrite.
func (j *job) landsUnderName() bool {
	o := j.spec.Options
	return o.Verify && !o.Update && !o.Overwrite
}

// deleteMissing removes target entries that no source has (-delete). It
// walks the target and the sources side by side one directory at a time, so
// memory is bounded by the largest directory, never deletes inside a
// directory it already deleted, never touches entries the filters exclude,
// and only runs on a directory target (DistCp once deleted a single-file
// target, MAPREDUCE-7287).
func (j *job) deleteMissing(ctx context.Context) error {
	if !j.spec.TargetIsDir {
		return nil
	}
	target, err := fs.ParseURI(j.spec.Target)
	if err != nil {
		return err
	}
	tfs, err := j.c.reg.FS(ctx, target)
	if err != nil {
		return err
	}
	flt, err := filter.Compile(j.spec.Options.Filters)
	if err != nil {
		return err
	}
	var srcs []source
	for _, s := range j.spec.Sources {
		u, err := fs.ParseURI(s)
		if err != nil {
			return err
		}
		sfs, err := j.c.reg.FS(ctx, u)
		if err != nil {
			return err
		}
		fi, err := sfs.Stat(ctx, u.Path)
		if err != nil {
			return fmt.Errorf("delete phase: source %s: %w", u.Display(), err)
		}
		srcs = append(srcs, source{u: u, fs: sfs, dir: fi.IsDir()})
		if j.landsUnderName() && fi.IsDir() {
			srcs[len(srcs)-1].dir = false // at the top it counts by its name, as a file does
			srcs[len(srcs)-1].at = u.Base()
		}
	}
	return j.deleteIn(ctx, tfs, target, "", srcs, flt)
}

// deleteIn deletes what the target holds at rel that no source has there.
// srcs are the sources with a directory at rel (at the top: every source,
// where a file source counts by its name).
func (j *job) deleteIn(ctx context.Context, tfs fs.FS, target fs.URI, rel string, srcs []source, flt *filter.Filter) error {
	have, filtered, dirsAt, err := sourceNames(ctx, rel, srcs, flt)
	if err != nil {
		return err
	}
	dir := target.Join(rel)
	var subdirs []string
	for fi, err := range tfs.List(ctx, dir.Path) {
		if rel == "" && errors.Is(err, fs.ErrNotExist) {
			return nil // nothing was made (a dry run, or nothing listed)
		}
		if err != nil {
			return fmt.Errorf("delete phase: list target %s: %w", dir.Display(), err)
		}
		name := fi.Name()
		u := target
		u.Path = fi.Path
		switch {
		case strings.HasPrefix(name, distcp.TempPrefix):
			// jetcp's own: a temp file; one no live job will finish goes.
			if !j.spec.Options.DryRun {
				j.sweepLeftover(ctx, tfs, fi)
			}
		case rel == "" && name == manifest.DirName:
			// jetcp's own: the target's job manifests.
		case have[name], filtered[name] || flt.Excludes(u):
			// Kept. Each path is filtered on its own, so an excluded
			// directory's entries are looked at in turn, as are those of
			// a directory where a source has a file (that copy failed).
			if fi.IsDir() {
				subdirs = append(subdirs, name)
			}
		default:
			if err := j.remove(ctx, tfs, fi); err != nil {
				return err
			}
		}
	}
	for _, name := range subdirs {
		if err := j.deleteIn(ctx, tfs, target, joinRel(rel, name), dirsAt[name], flt); err != nil {
			return err
		}
	}
	return nil
}

// sourceNames are the names the sources have at the target's rel (have;
// those the filters exclude apart, so their target twins are spared too)
// and, for each name, the sources with a directory there to look into.
func sourceNames(ctx context.Context, rel string, srcs []source, flt *filter.Filter) (have, filtered map[string]bool, dirsAt map[string][]source, err error) {
	have, filtered = map[string]bool{}, map[string]bool{}
	dirsAt = map[string][]source{}
	for _, s := range srcs {
		if rel == "" && s.at != "" {
			have[s.at] = true
			dirsAt[s.at] = append(dirsAt[s.at], source{u: s.u, fs: s.fs, dir: true, at: s.at})
			continue
		}
		if !s.dir {
			if rel == "" {
				have[s.u.Base()] = true
			}
			continue
		}
		for fi, err := range s.fs.List(ctx, s.pathAt(rel).Path) {
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if err != nil {
				return nil, nil, nil, fmt.Errorf("delete phase: list source %s: %w", s.pathAt(rel).Display(), err)
			}
			u := s.u
			u.Path = fi.Path
			if flt.Excludes(u) {
				filtered[fi.Name()] = true
			} else {
				have[fi.Name()] = true
			}
			if fi.IsDir() {
				dirsAt[fi.Name()] = append(dirsAt[fi.Name()], s)
			}
		}
	}
	return have, filtered, dirsAt, nil
}

// remove deletes one target entry (a directory with everything in it),
// counting the files it held; in a dry run it only counts, and a verify
// job reports it extra instead.
func (j *job) remove(ctx context.Context, tfs fs.FS, fi fs.FileInfo) error {
	if j.spec.Options.Verify {
		return j.noteExtra(ctx, tfs, fi)
	}
	if j.track != nil {
		if err := j.track.note(ctx, tfs, fi); err != nil || j.track.only {
			return err
		}
	}
	files := int64(1)
	if fi.IsDir() {
		files = 0
		if err := fs.Walk(ctx, tfs, fi.Path, func(e fs.FileInfo) error {
			if !e.IsDir() {
				files++
			}
			return nil
		}); err != nil {
			return fmt.Errorf("delete phase: %w", err)
		}
	}
	j.report.FilesDeleted += files
	if j.spec.Options.DryRun {
		j.log.Info().Str("path", fi.Path).Int64("files", files).Msg("dry run: would delete")
		return nil
	}
	if err := tfs.Remove(ctx, fi.Path, fi.IsDir()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", fi.Path, err)
	}
	j.log.Info().Str("path", fi.Path).Int64("files", files).Msg("deleted: not in the source")
	return nil
}

func joinRel(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}
