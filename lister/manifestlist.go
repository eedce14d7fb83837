package lister

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/manifest"
)

func init() {
	// Here, not in argSpecs' literal, whose alignment the long name would
	// change (--verify's is here with it).
	argSpecs["copy-from-manifest"] = valueArg(func(c *Config, v string) error { c.CopyFromManifest = v; return nil })
	argSpecs["verify"] = boolArg(func(c *Config) { c.VerifyAfter = true })
}

// manifestEntry is one source named by a --copy-from-manifest file, where
// it lands, and what its Stat said.
type manifestEntry struct {
	src, dst fs.URI
	info     fs.FileInfo
	line     int
}

// manifestLine is what a manifest line may say: a verify differences file
// (messages.Difference), the job manifest (docs/job-manifest.md) and
// s3-dist-cp-like lists all name the source as "src" and, where they know
// it, the target as "dst". Other fields are ignored.
type manifestLine struct {
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	Category string `json:"category"`
}

// maxManifestLine bounds one manifest line (a JSON object with two URIs
// and a reason).
const maxManifestLine = 1 << 20

// readManifest reads --copy-from-manifest FILE (on any file system): JSON
// lines with "src" and optionally "dst", or plain source paths, one per
// line. Each source is looked up (it must exist, as a -f source must) and
// placed: at its "dst" when the line gives one, else below the command
// line's source that holds it by DistCp's rule for that source (roots). A
// line without "src" (an extra in a differences file, a manifest's
// trailer) names nothing to copy: extras are counted for a note. Every
// problem is a UsageError naming the line.
func readManifest(ctx context.Context, reg *fs.Registry, name string, roots []Root, writeRoot fs.URI) (entries []manifestEntry, extras int, err error) {
	u, err := parse(name, "--copy-from-manifest")
	if err != nil {
		return nil, 0, err
	}
	fsys, err := reg.FS(ctx, u)
	if err != nil {
		return nil, 0, usagef("--copy-from-manifest %s: %v", name, err)
	}
	r, err := fsys.Open(ctx, u.Path, 0)
	if err != nil {
		return nil, 0, usagef("--copy-from-manifest %s: cannot read it: %v", name, err)
	}
	defer r.Close()
	text, done, err := manifest.Lines(r)
	if err != nil {
		return nil, 0, usagef("--copy-from-manifest %s: cannot read it: %v", name, err)
	}
	defer done()
	seen := map[fs.URI]bool{}
	sc := bufio.NewScanner(text)
	sc.Buffer(make([]byte, 64<<10), maxManifestLine)
	for n := 1; sc.Scan(); n++ {
		e, skip, isExtra, err := parseManifestLine(sc.Text(), n, roots, writeRoot)
		switch {
		case err != nil:
			return nil, 0, usagef("--copy-from-manifest %s: line %d: %v", name, n, err)
		case isExtra:
			extras++
		case skip || seen[e.dst]:
			// A target named twice is copied once.
		default:
			seen[e.dst] = true
			entries = append(entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, usagef("--copy-from-manifest %s: cannot read it: %v", name, err)
	}
	if err := statManifest(ctx, reg, entries); err != nil {
		if IsUsage(err) {
			return nil, 0, usagef("--copy-from-manifest %s: %v", name, err)
		}
		// A file system failing is no bad input (exit 1), refused access is.
		return nil, 0, lookupErr("--copy-from-manifest "+name, err)
	}
	return entries, extras, nil
}

// parseManifestLine reads one line; skip says it names no source.
func parseManifestLine(text string, n int, roots []Root, writeRoot fs.URI) (e manifestEntry, skip, extra bool, err error) {
	text = strings.TrimSpace(text)
	var l manifestLine
	switch {
	case text == "":
		return e, true, false, nil
	case strings.HasPrefix(text, "{"):
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return e, false, false, fmt.Errorf("not a JSON object: %v; give JSON lines with \"src\" (and \"dst\"), or one source path per line", err)
		}
		if l.Src == "" {
			return e, true, l.Category == "extra", nil
		}
	default:
		l.Src = text
	}
	e.line = n
	if e.src, err = fs.ParseURI(l.Src); err != nil {
		return e, false, false, fmt.Errorf("src: %v", err)
	}
	if fs.HasMeta(e.src.Path) {
		return e, false, false, fmt.Errorf("src %s is a glob: a manifest names each file", e.src.Display())
	}
	if l.Dst != "" {
		if e.dst, err = fs.ParseURI(l.Dst); err != nil {
			return e, false, false, fmt.Errorf("dst: %v", err)
		}
	} else if e.dst, err = landInRoots(e.src, roots); err != nil {
		return e, false, false, err
	}
	if !writeRoot.Contains(e.dst) {
		return e, false, false, fmt.Errorf("dst %s is not under the target %s: give the target the manifest was made for", e.dst.Display(), writeRoot.Display())
	}
	return e, false, false, nil
}

// landInRoots places src below the command line's source that holds it,
// as the walk of that source would have.
func landInRoots(src fs.URI, roots []Root) (fs.URI, error) {
	best := -1
	for i, r := range roots {
		if r.Src.Contains(src) && (best < 0 || len(r.Src.Path) > len(roots[best].Src.Path)) {
			best = i
		}
	}
	if best < 0 {
		return fs.URI{}, fmt.Errorf("no \"dst\", and no source on the command line holds %s: name the sources the manifest's files are under (SRC... DST), or give each line a \"dst\"", src.Display())
	}
	r := roots[best]
	return r.Dst.Join(strings.TrimPrefix(src.Path, r.Src.Path)), nil
}

// manifestStatThreads is how many manifest sources are looked up at once:
// on COS and HDFS each is a round trip.
const manifestStatThreads = 8

// statManifest looks up every entry's source, a few at once.
func statManifest(ctx context.Context, reg *fs.Registry, entries []manifestEntry) error {
	var wg sync.WaitGroup
	errs := make([]error, manifestStatThreads)
	for w := range manifestStatThreads {
		wg.Go(func() {
			for i := w; i < len(entries) && errs[w] == nil; i += manifestStatThreads {
				errs[w] = statEntry(ctx, reg, &entries[i])
			}
		})
	}
	wg.Wait()
	// The first line's error (of those met): a usage error is one line.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || lineOf(err) < lineOf(first)) {
			first = err
		}
	}
	return first
}

// lineOf is the manifest line a statEntry error names.
func lineOf(err error) int {
	var l *lineError
	if errors.As(err, &l) {
		return l.line
	}
	return 0
}

// lineError is a failed lookup of the source on a manifest line.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

func statEntry(ctx context.Context, reg *fs.Registry, e *manifestEntry) error {
	sfs, err := reg.FS(ctx, e.src)
	if err != nil {
		return &lineError{e.line, err}
	}
	fi, err := sfs.Stat(ctx, e.src.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &lineError{e.line, usagef("source %s does not exist: remove the line, or copy the tree again without the manifest", e.src.Display())}
	case err != nil:
		return &lineError{e.line, fmt.Errorf("source %s: %w", e.src.Display(), err)}
	}
	e.info = fi
	return nil
}

// listManifest enqueues the plan's manifest entries instead of walking
// its sources: one item per entry (a directory without what is in it:
// the manifest names each entry to copy), in the manifest's order. The
// copiers decide as they do for a walked entry.
func (l *Lister) listManifest(ctx context.Context, p *Plan, e *enqueuer) error {
	for _, m := range p.manifest {
		if p.Filter.Excludes(m.src) {
			continue
		}
		dfs, err := l.reg.FS(ctx, m.dst)
		if err != nil {
			return err
		}
		if m.info.IsDir() {
			err = e.dir(ctx, m.src, m.dst, m.info, false, true, false, false)
		} else {
			err = e.file(ctx, m.src, m.dst, m.info, true, false, dfs)
		}
		if err != nil {
			return &brokeOff{cause: fmt.Errorf("list %s: %w", m.src.Display(), err)}
		}
	}
	if err := e.flush(ctx); err != nil {
		return &brokeOff{cause: err}
	}
	return nil
}

// readManifest reads the --copy-from-manifest file name, if any, into
// the plan, with a note of the extras it names (which no copy fixes).
func (p *Plan) readManifest(ctx context.Context, reg *fs.Registry, name string, writeRoot fs.URI) error {
	if name == "" {
		return nil
	}
	entries, extras, err := readManifest(ctx, reg, name, p.Roots, writeRoot)
	if err != nil {
		return err
	}
	p.manifest, p.fromManifest = entries, true
	p.Job.Sources = append(p.Job.Sources, uncovered(entries, p.Roots)...)
	p.Notes = append(p.Notes, fmt.Sprintf("--copy-from-manifest %s: %d entries to copy, instead of walking the sources", name, len(entries)))
	if extras > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("--copy-from-manifest %s: %d extra entries (at the target only) left as they are: copying cannot remove them; -update -delete without the manifest does", name, extras))
	}
	return nil
}

// uncovered are the directories to add to the job's sources so that they
// hold every manifest entry (a copier reads only below the job's
// sources): for entries no root holds, their deepest common directory on
// each file system.
func uncovered(entries []manifestEntry, roots []Root) []string {
	var dirs []fs.URI
	for _, e := range entries {
		if slices.ContainsFunc(roots, func(r Root) bool { return r.Src.Contains(e.src) }) {
			continue
		}
		i := slices.IndexFunc(dirs, func(d fs.URI) bool { return d.SameFS(e.src) })
		if i < 0 {
			dirs = append(dirs, e.src.Dir())
			continue
		}
		for !dirs[i].Contains(e.src) {
			dirs[i] = dirs[i].Dir()
		}
	}
	out := make([]string, len(dirs))
	for i, d := range dirs {
		out[i] = d.String()
	}
	return out
}
