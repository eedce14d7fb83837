package committer

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/manifest"
	"github.com/jetcp/jetcp/messages"
)

// noteManifest spools a file result's manifest line (manifest.Line): one
// per file whose target was known to hold the source's bytes. A spool
// that cannot be written turns the manifest off for the job, with a
// warning: without one the next -update checks every file, nothing worse.
func (j *job) noteManifest(r *messages.Result) {
	if r.Record == nil || j.spec.Options.Manifest == "" || j.noManifest {
		return
	}
	if j.spool == nil {
		s, err := manifest.NewSpool(j.c.spoolDir, j.spec.ID)
		if err != nil {
			j.log.Warn().Err(err).Msg("cannot spool the job manifest; the job writes none")
			j.noManifest = true
			return
		}
		j.spool = s
	}
	if r.Reason != distcp.ReasonUnchangedManifest {
		j.manifestNews++
	}
	rec := r.Record
	err := j.spool.Add(manifest.Line{Src: r.Src, Dst: r.Dst, Size: r.Size, SrcMTime: rec.SrcModTime, SrcCTime: rec.SrcChangeTime,
		SrcVersion: rec.SrcVersion, Checksum: r.Checksum, DstSize: rec.DstSize, DstMTime: rec.DstModTime, DstCTime: rec.DstChangeTime, DstVersion: rec.DstVersion, Result: r.Status})
	if err != nil {
		j.log.Warn().Err(err).Msg("cannot spool the job manifest; the job writes none")
		j.dropManifest()
	}
}

// dropManifest discards the spool and writes no manifest for the job.
func (j *job) dropManifest() {
	j.noManifest = true
	if j.spool != nil {
		j.spool.Discard()
		j.spool = nil
	}
}

// publishManifest writes the spooled manifest to the job's manifest
// directory, after the copies and the commit steps (the records are of
// the target as they left it). It fails nothing: a missing manifest only
// makes the next -update check every file.
func (j *job) publishManifest(ctx context.Context) {
	carry := j.spec.Options.ManifestCarry != ""
	if carry {
		j.spool = j.withCarry(ctx)
	}
	s := j.spool
	if s == nil {
		return
	}
	if j.manifestNews == 0 && !carry {
		// Every line came from the manifest the listing read: it is still
		// true, and a no-op -update costs no manifest write.
		j.log.Info().Msg("every file was settled by the last manifest; it stays the newest")
		return // the follow's end discards the spool
	}
	j.spool = nil
	if err := j.writeManifest(ctx, s); err != nil {
		j.log.Warn().Err(err).Msg("cannot write the job manifest; the next -update checks every file")
		return
	}
	j.log.Info().Int64("files", s.Files()).Str("dir", j.spec.Options.Manifest).Msg("job manifest written")
}

func (j *job) writeManifest(ctx context.Context, s *manifest.Spool) error {
	u, err := fs.ParseURI(j.spec.Options.Manifest)
	if err != nil {
		s.Discard()
		return fmt.Errorf("manifest directory: %w", err)
	}
	fsys, err := j.c.reg.FS(ctx, u)
	if err != nil {
		s.Discard()
		return fmt.Errorf("manifest directory %s: %w", u.Display(), err)
	}
	return s.Publish(ctx, fsys, u.Path)
}

// withCarry is a -diff job's manifest: the carry file's lines (the
// previous manifest's records of the files the diff left alone, named as
// after it), then the job's own, which a reader takes over a carried line
// of the same path. Without a readable carry file (the listing stopped
// before writing it), the job's own lines alone; nil where the job writes
// no manifest. The carry file is removed either way.
func (j *job) withCarry(ctx context.Context) *manifest.Spool {
	own := j.spool
	j.spool = nil
	u, err := fs.ParseURI(j.spec.Options.ManifestCarry)
	if err != nil {
		j.log.Warn().Err(err).Msg("the manifest carry file's URI; the manifest holds this job's files only")
		return own
	}
	fsys, err := j.c.reg.FS(ctx, u)
	if err != nil {
		j.log.Warn().Err(err).Msg("the manifest carry file; the manifest holds this job's files only")
		return own
	}
	defer func() {
		if err := fsys.Remove(ctx, u.Path, false); err != nil && !errors.Is(err, fs.ErrNotExist) {
			j.log.Warn().Err(err).Str("file", u.Display()).Msg("cannot remove the manifest carry file")
		}
	}()
	if j.noManifest {
		return nil
	}
	merged, err := manifest.NewSpool(j.c.spoolDir, j.spec.ID)
	if err != nil {
		j.log.Warn().Err(err).Msg("cannot spool the job manifest; the manifest holds this job's files only")
		return own
	}
	if err := manifest.ReadFile(ctx, fsys, u.Path, merged.Add); err != nil {
		merged.Discard()
		j.log.Warn().Err(err).Msg("cannot read the manifest carry file; the manifest holds this job's files only")
		return own
	}
	if own == nil {
		return merged
	}
	if err := own.AppendTo(merged); err != nil {
		merged.Discard()
		j.log.Warn().Err(err).Msg("cannot read the job's spooled manifest back; the job writes none")
		return nil
	}
	return merged
}
