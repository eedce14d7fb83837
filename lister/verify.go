package lister

import (
	"strings"

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
