package lister

import (
	"slices"
	"strings"
)

// ResumeCommands are the command lines that finish a job stopped early
// (interrupted, or failed files), copying only what is missing or
// different: the job's options with -update in place of -overwrite (the
// same landing) and, where the landing rule would put the contents
// elsewhere under -update, the source and the path it actually landed at.
// A plain copy of SRC into an existing DST lands at DST/SRC, but
// `-update SRC DST` puts SRC's contents into DST itself, so the same
// command with -update would copy everything again to the wrong place.
// args is the command line as given (without the program name).
func ResumeCommands(args []string, cfg Config, p *Plan) []string {
	opts := OptionArgs(args)
	if cfg.Options.Atomic {
		// An interrupted -atomic job left no target: the same command.
		return []string{commandLine(opts, rootSources(cfg, p.Roots), cfg.Target)}
	}
	opts = slices.DeleteFunc(opts, func(a string) bool { return optionName(a) == "overwrite" })
	if !cfg.Options.Update {
		opts = append([]string{"-update"}, opts...)
	}
	// Where each root must be named under -update to land where it did.
	var order []string
	groups := map[string][]Root{}
	writeRoot := p.Job.WriteRoot
	for _, r := range p.Roots {
		dst := cfg.Target
		if r.Info.IsDir() && r.Dst.String() != writeRoot {
			dst = r.Dst.Display()
		}
		if _, ok := groups[dst]; !ok {
			order = append(order, dst)
		}
		groups[dst] = append(groups[dst], r)
	}
	if len(order) == 1 && order[0] == cfg.Target {
		return []string{commandLine(opts, rootSources(cfg, p.Roots), cfg.Target)}
	}
	var cmds []string
	for _, dst := range order {
		var srcs []string
		for _, r := range groups[dst] {
			srcs = append(srcs, r.Src.Display())
		}
		cmds = append(cmds, commandLine(opts, srcs, dst))
	}
	return cmds
}

// rootSources are the sources as typed when they can be repeated as they
// are (the roots of -f or a glob are named one by one otherwise).
func rootSources(cfg Config, roots []Root) []string {
	if cfg.SourceList == "" {
		return cfg.Sources
	}
	var s []string
	for _, r := range roots {
		s = append(s, r.Src.Display())
	}
	return s
}

func optionName(a string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	return name
}

// commandLine is a lister command line a shell runs as shown.
func commandLine(opts, srcs []string, dst string) string {
	parts := []string{"lister"}
	for _, a := range slices.Concat(opts, srcs, []string{dst}) {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:=@%+,-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
