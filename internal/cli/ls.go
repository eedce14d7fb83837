package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/hadoopconf"
)

// lsUsage is `lister ls --help`.
const lsUsage = `usage: lister ls [-R] [-h] URI...

Lists local paths, hdfs://namenode:port/path and cosn://bucket-appid/path as
'hadoop fs -ls' prints them, with the configuration a copy uses
(HADOOP_CONF_DIR, COS_* variables, HADOOP_USER_NAME).
  -R    list directories recursively
  -h    sizes in human-readable units (1.5 K, 3.0 M)
URIs may be globs. Exit status: 0 listed, 1 a path is missing or could not
be listed, 2 bad input.
`

// lsCommand is one `lister ls` run. Its column widths only grow over the
// run, as hadoop fs -ls's do: Hadoop keeps them in the command, widening
// them for each listing it prints.
type lsCommand struct {
	recursive, human bool
	out, errw        io.Writer
	reg              *fs.Registry
	widths           lsWidths
	status           int
}

// lsArg is one URI argument, parsed and its file system opened.
type lsArg struct {
	raw  string
	u    fs.URI
	fsys fs.FS
}

// listerLs runs `lister ls [-R] [-h] URI...`: a target checked as
// `hadoop fs -ls` would show it, without a Hadoop client.
func listerLs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &lsCommand{out: stdout, errw: stderr}
	paths, help, err := c.parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "lister ls: %v\n", err)
		return ExitUsage
	}
	if help {
		fmt.Fprint(stdout, lsUsage)
		return ExitOK
	}
	log := newLogger(stderr, isTerminalWriter(stderr), false)
	c.reg = Registry(hadoopconf.Source{Getenv: os.Getenv}, log)
	defer c.reg.Close()
	// Every argument is checked before anything is listed, so bad input
	// prints no partial listing.
	var parsed []lsArg
	for _, raw := range paths {
		a, err := c.open(ctx, raw)
		if err != nil {
			fmt.Fprintf(stderr, "lister ls: %v\n", err)
			return ExitUsage
		}
		parsed = append(parsed, a)
	}
	for _, a := range parsed {
		c.listArg(ctx, a)
	}
	return c.status
}

// parse reads the options (-R, -h, in any order before or between the
// URIs) and returns the URIs.
func (c *lsCommand) parse(args []string) (paths []string, help bool, err error) {
	for _, a := range args {
		switch a {
		case "-R", "--R":
			c.recursive = true
		case "-h", "--h":
			c.human = true
		case "--help", "-help":
			return nil, true, nil
		default:
			if strings.HasPrefix(a, "-") && len(a) > 1 {
				return nil, false, fmt.Errorf("unknown option %s: lister ls takes -R (recursive) and -h (human-readable sizes)", a)
			}
			paths = append(paths, a)
		}
	}
	if len(paths) == 0 {
		return nil, false, errors.New("no URI to list: give one or more, e.g. lister ls -R hdfs://namenode:8020/data")
	}
	return paths, false, nil
}

// open parses raw and opens its file system; failing either is bad input.
func (c *lsCommand) open(ctx context.Context, raw string) (lsArg, error) {
	u, err := fs.ParseURI(raw)
	if err != nil {
		return lsArg{}, err
	}
	fsys, err := c.reg.FS(ctx, u)
	if err != nil {
		return lsArg{}, fmt.Errorf("%s: %w", raw, err)
	}
	return lsArg{raw: raw, u: u, fsys: fsys}, nil
}

// fail prints one of hadoop's error lines and raises the exit status: a
// COS bucket that does not exist is bad input, anything else a failure.
func (c *lsCommand) fail(display string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(c.errw, "ls: `%s': No such file or directory\n", display)
	default:
		fmt.Fprintf(c.errw, "ls: `%s': %v\n", display, err)
	}
	code := ExitFailed
	if errors.Is(err, fs.ErrNoFileSystem) {
		code = ExitUsage
	}
	c.status = max(c.status, code)
}

// listArg lists one argument: each path a glob matches, a directory by its
// entries, a file by its own line.
func (c *lsCommand) listArg(ctx context.Context, a lsArg) {
	matches, err := expand(ctx, a)
	if err != nil {
		c.fail(a.raw, err)
		return
	}
	if len(matches) == 0 {
		c.fail(a.raw, fs.ErrNotExist)
		return
	}
	for _, p := range matches {
		display := lsDisplay(a, p)
		fi, err := a.fsys.Stat(ctx, p)
		if err != nil {
			c.fail(display, err)
			continue
		}
		if !fi.IsDir() {
			c.print([]fs.FileInfo{fi}, []string{display})
			continue
		}
		c.listDir(ctx, a.fsys, display, p)
	}
}

// expand is the paths a's URI names: itself, or what its glob matches.
func expand(ctx context.Context, a lsArg) ([]string, error) {
	if !fs.HasMeta(a.u.Path) {
		return []string{a.u.Path}, nil
	}
	return fs.Glob(ctx, a.fsys, a.u.Path)
}

// lsDisplay is how a path an argument names is printed: as hadoop does,
// in the argument's own form (a URI stays a URI, a relative local path
// stays relative), without a trailing slash.
func lsDisplay(a lsArg, p string) string {
	if p == a.u.Path && !fs.HasMeta(a.u.Path) {
		if t := strings.TrimRight(a.raw, "/"); t != "" && !strings.HasSuffix(t, ":") {
			return t
		}
		return a.raw
	}
	if a.u.Scheme != "file" || strings.HasPrefix(strings.ToLower(a.raw), "file:") {
		u := a.u
		u.Path = p
		return u.String()
	}
	if !filepath.IsAbs(a.raw) {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, filepath.FromSlash(p)); err == nil {
				return filepath.ToSlash(rel)
			}
		}
	}
	return p
}

// childDisplay is the printed path of an entry of the directory printed
// as parent; the entries of "." are printed by name, as hadoop does.
func childDisplay(parent, name string) string {
	if parent == "." {
		return name
	}
	if strings.HasSuffix(parent, "/") {
		return parent + name
	}
	return parent + "/" + name
}

// listDir prints a directory's entries sorted by name, with hadoop's
// "Found N items" header unless recursive, and with -R each
// subdirectory's entries right after its own line (depth first, as hadoop
// recurses). A directory's listing is held in memory to be sorted, as
// hadoop holds it.
func (c *lsCommand) listDir(ctx context.Context, fsys fs.FS, display, dir string) {
	entries, err := lsEntries(ctx, fsys, dir)
	if err != nil {
		c.fail(display, err)
		return
	}
	if len(entries) == 0 {
		return
	}
	if !c.recursive {
		fmt.Fprintf(c.out, "Found %d items\n", len(entries))
	}
	names := make([]string, len(entries))
	for i, fi := range entries {
		names[i] = childDisplay(display, fi.Name())
	}
	c.widths.grow(entries)
	for i, fi := range entries {
		fmt.Fprintln(c.out, c.widths.line(fi, names[i], c.human))
		if c.recursive && fi.IsDir() {
			c.listDir(ctx, fsys, names[i], fi.Path)
		}
	}
}

// print prints entries given on the command line (files).
func (c *lsCommand) print(entries []fs.FileInfo, names []string) {
	c.widths.grow(entries)
	for i, fi := range entries {
		fmt.Fprintln(c.out, c.widths.line(fi, names[i], c.human))
	}
}

// lsEntries is dir's listing sorted by name. Where a listing lacks the
// attributes Stat gives (object stores list no owner, permission or
// preserved time), each entry is Stat'ed, so a target shows what a copy
// preserved on it.
func lsEntries(ctx context.Context, fsys fs.FS, dir string) ([]fs.FileInfo, error) {
	var entries []fs.FileInfo
	for fi, err := range fsys.List(ctx, dir) {
		if err != nil {
			return nil, err
		}
		entries = append(entries, fi)
	}
	if fs.ListOmitsAttrs(fsys) {
		if err := statAll(ctx, fsys, entries); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(entries, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// lsStats is how many entries are Stat'ed at once: an object store
// answers each in a round trip, and a directory of thousands one after
// the other would take minutes.
const lsStats = 16

// statAll replaces each entry by its Stat, lsStats at a time. The first
// failure stops the rest and is returned (not the cancellations it
// causes).
func statAll(ctx context.Context, fsys fs.FS, entries []fs.FileInfo) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, lsStats)
	for i := range entries {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			full, err := fsys.Stat(ctx, entries[i].Path)
			if err != nil {
				once.Do(func() { first = fmt.Errorf("stat %s: %w", entries[i].Path, err); cancel() })
				return
			}
			entries[i] = full
		})
	}
	wg.Wait()
	return first
}

// lsWidths are hadoop fs -ls's column widths: replication at least 3,
// size at least 10 (of the size in bytes, even with -h), owner and group
// as wide as the widest seen.
type lsWidths struct{ repl, size, owner, group int }

func (w *lsWidths) grow(entries []fs.FileInfo) {
	w.repl, w.size = max(w.repl, 3), max(w.size, 10)
	for _, fi := range entries {
		w.repl = max(w.repl, len(strconv.Itoa(int(replication(fi)))))
		w.size = max(w.size, len(strconv.FormatInt(fi.Size, 10)))
		w.owner = max(w.owner, len(fi.Owner))
		w.group = max(w.group, len(fi.Group))
	}
}

// line is one entry as hadoop prints it:
// "drwxr-xr-x   - hdfs supergroup          0 2026-12-03 12:00 /data".
func (w lsWidths) line(fi fs.FileInfo, name string, human bool) string {
	repl := "-"
	if !fi.IsDir() {
		repl = strconv.Itoa(int(replication(fi)))
	}
	size := strconv.FormatInt(fi.Size, 10)
	if human {
		size = hadoopSize(fi.Size)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %*s ", permString(fi), w.repl, repl)
	b.WriteString(padRight(fi.Owner, w.owner))
	b.WriteString(padRight(fi.Group, w.group))
	fmt.Fprintf(&b, "%*s %s %s", w.size, size, lsTime(fi.ModTime), name)
	return b.String()
}

// padRight is Java's "%-Ns " for a column of width n, and nothing at all
// for a column no entry has (hadoop's format then has no column).
func padRight(s string, n int) string {
	if n == 0 {
		return s
	}
	return s + strings.Repeat(" ", n-len(s)) + " "
}

// replication is a file's as Hadoop's clients report it: HDFS's own, and
// 1 for local files and COS objects, which have none.
func replication(fi fs.FileInfo) int16 {
	if fi.Replication > 0 || fi.IsDir() {
		return fi.Replication
	}
	return 1
}

// permString is "d" or "-" and Hadoop's FsPermission: rwx for user, group
// and other, the sticky bit as t (or T without execute) in the last place.
func permString(fi fs.FileInfo) string {
	const rwx = "rwxrwxrwx"
	b := []byte("----------")
	if fi.IsDir() {
		b[0] = 'd'
	}
	for i := range 9 {
		if fi.Mode&(1<<(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	if fi.Mode&os.ModeSticky != 0 {
		if b[9] == 'x' {
			b[9] = 't'
		} else {
			b[9] = 'T'
		}
	}
	return string(b)
}

// lsTime is hadoop's "yyyy-MM-dd HH:mm" in local time; an unknown time is
// the epoch, as Hadoop shows a zero modification time.
func lsTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.Local().Format("2006-01-02 15:04")
}

// hadoopSize is Hadoop's TraditionalBinaryPrefix.long2String(n, "", 1):
// bytes below 1024 as they are, else one decimal and K, M, G, T, P or E,
// with no decimal when the size is an exact multiple.
func hadoopSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10)
	}
	const symbols = "KMGTPE"
	i := 0
	for i+1 < len(symbols) && n >= int64(1)<<(10*(i+2)) {
		i++
	}
	shift := 10 * (i + 1)
	if n&(int64(1)<<shift-1) == 0 {
		return fmt.Sprintf("%d %c", n>>shift, symbols[i])
	}
	s := fmt.Sprintf("%.1f", float64(n)/float64(int64(1)<<shift))
	if strings.HasPrefix(s, "1024") && i+1 < len(symbols) {
		i++
		s = fmt.Sprintf("%.1f", float64(n)/float64(int64(1)<<(10*(i+1))))
	}
	return s + " " + string(symbols[i])
}
