package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jetcp/jetcp/fs/cos"
	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// Resolved is what a lister command line resolves to: `lister config` and
// --print-config show it. Every secret is masked.
type Resolved struct {
	Hadoop struct {
		Dir       string            `json:"dir"`
		DirFrom   string            `json:"dir_from"`
		Files     []string          `json:"files"`
		DefaultFS string            `json:"fs_default_fs,omitempty"`
		Set       map[string]string `json:"set,omitempty"` // -D overrides
		Error     string            `json:"error,omitempty"`
	} `json:"hadoop"`
	HDFS struct {
		User             string              `json:"user"`
		Authentication   string              `json:"authentication"`
		Nameservices     map[string][]string `json:"nameservices,omitempty"`
		DatanodeHostname bool                `json:"use_datanode_hostname"`
	} `json:"hdfs"`
	COS struct {
		Config string `json:"config,omitempty"` // masked
		Error  string `json:"error,omitempty"`  // why COS cannot be used as configured
	} `json:"cos"`
	NATS struct {
		Mode     string `json:"mode"` // embedded or external
		URL      string `json:"url,omitempty"`
		Auth     string `json:"auth"`
		TLS      bool   `json:"tls"`
		Replicas string `json:"replicas"`
	} `json:"nats"`
	Job struct {
		Sources []string         `json:"sources,omitempty"`
		Target  string           `json:"target,omitempty"`
		Workers int              `json:"workers"`
		Options messages.Options `json:"options"`
	} `json:"job"`
	// Plan is where the sources land, when the command line names them.
	Plan *PlanView `json:"plan,omitempty"`
	// Notes are remarks on the command line, e.g. options without effect.
	Notes []string `json:"notes,omitempty"`
}

// Resolve gathers the configuration of cfg from the environment.
func Resolve(cfg lister.Config, getenv func(string) string) Resolved {
	var r Resolved
	conf := r.resolveHadoop(cfg, getenv)
	r.resolveHDFS(conf, getenv)
	c, err := cos.FromEnv(getenv, conf)
	r.COS.Config = c.String()
	if err != nil {
		r.COS.Error = err.Error()
	}
	r.resolveNATS(cfg, getenv)
	r.Notes = append(append(r.Notes, cfg.Warnings...), cfg.Notes...)
	r.resolveJob(cfg)
	return r
}

// resolveHadoop finds the Hadoop configuration (HADOOP_CONF_DIR, else
// HADOOP_HOME, and -D) and returns it; a configuration that cannot be read
// is an empty one, its error shown.
func (r *Resolved) resolveHadoop(cfg lister.Config, getenv func(string) string) hadoopconf.Conf {
	h := &r.Hadoop
	h.Dir, h.DirFrom = hadoopconf.Dir(getenv), "HADOOP_CONF_DIR"
	switch {
	case getenv("HADOOP_CONF_DIR") != "":
	case h.Dir != "":
		h.DirFrom = "HADOOP_HOME"
	default:
		h.DirFrom = "(none: set HADOOP_CONF_DIR to read core-site.xml and hdfs-site.xml)"
	}
	for _, f := range []string{"core-site.xml", "hdfs-site.xml"} {
		if _, err := os.Stat(filepath.Join(h.Dir, f)); h.Dir != "" && err == nil {
			h.Files = append(h.Files, f)
		}
	}
	for k, v := range cfg.HadoopSet {
		if h.Set == nil {
			h.Set = map[string]string{}
		}
		h.Set[k] = maskProperty(k, v)
	}
	src := hadoopconf.Source{Getenv: getenv, Set: cfg.HadoopSet}
	conf, err := src.Load()
	if err != nil {
		h.Error = err.Error()
		conf = hadoopconf.Conf{}
	}
	h.DefaultFS = conf.Get("fs.defaultFS", "fs.default.name")
	return conf
}

// resolveHDFS is how HDFS is reached: user, authentication, nameservices.
func (r *Resolved) resolveHDFS(conf hadoopconf.Conf, getenv func(string) string) {
	d := &r.HDFS
	d.User = hdfs.UserFrom(getenv)
	d.Authentication = "simple"
	if strings.EqualFold(conf.Get("hadoop.security.authentication"), "kerberos") {
		d.Authentication = "kerberos (principal " + conf.Get("dfs.namenode.kerberos.principal") + ")"
	}
	d.DatanodeHostname = conf.Get("dfs.client.use.datanode.hostname") == "true"
	for _, ns := range strings.Split(conf.Get("dfs.nameservices"), ",") {
		if ns = strings.TrimSpace(ns); ns == "" {
			continue
		}
		if d.Nameservices == nil {
			d.Nameservices = map[string][]string{}
		}
		if addrs, err := hdfs.Resolve(ns, conf); err == nil {
			d.Nameservices[ns] = addrs
		} else {
			d.Nameservices[ns] = []string{"error: " + err.Error()}
		}
	}
}

// resolveNATS is the JetStream server: embedded, or the --nats one.
func (r *Resolved) resolveNATS(cfg lister.Config, getenv func(string) string) {
	n := &r.NATS
	n.Mode, n.Auth, n.Replicas = "embedded (in this process; no --nats)", "none", "1"
	if cfg.NATS.URL == "" {
		return
	}
	nc := cfg.NATS.WithEnv(getenv)
	n.Mode, n.URL, n.TLS = "external", natsconn.Redact(nc.URL), nc.CA != "" || strings.HasPrefix(nc.URL, "tls://")
	n.Auth = natsAuth(nc)
	n.Replicas = "3 on a cluster of 3 or more servers, else 1"
	if cfg.Replicas > 0 {
		n.Replicas = fmt.Sprint(cfg.Replicas)
	}
}

// resolveJob is the job the command line describes, defaults filled in.
func (r *Resolved) resolveJob(cfg lister.Config) {
	j := &r.Job
	j.Sources, j.Target, j.Options = cfg.Sources, cfg.Target, cfg.Options
	if cfg.SourceList != "" {
		j.Sources = []string{"(listed in " + cfg.SourceList + ")"}
	}
	j.Workers = cfg.Workers
	if j.Workers == 0 {
		j.Workers = messages.DefaultWorkers
	}
	if j.Options.Attempts == 0 {
		j.Options.Attempts = messages.DefaultAttempts
	}
}

func natsAuth(c natsconn.Config) string {
	switch {
	case c.Creds != "":
		return "credentials file " + c.Creds
	case c.NKey != "":
		return "nkey seed file " + c.NKey
	case c.User != "":
		return "user " + c.User + ", password " + maskSecret(c.Password)
	case c.Token != "":
		return "token " + maskSecret(c.Token)
	}
	return "none"
}

func maskSecret(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "****"
}

// maskProperty hides the values of Hadoop properties that hold secrets.
func maskProperty(k, v string) string {
	l := strings.ToLower(k)
	for _, w := range []string{"secret", "password", "token", "credential", "accesskey", "secretkey"} {
		if strings.Contains(l, w) {
			return maskSecret(v)
		}
	}
	return v
}

// PrintConfig writes the resolved configuration as text or JSON.
func PrintConfig(w io.Writer, r Resolved, asJSON bool) error {
	if asJSON {
		data, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	}
	row := func(k string, v any) { fmt.Fprintf(w, "  %-22s %v\n", k, v) }
	fmt.Fprintln(w, "Hadoop configuration")
	row("directory", orNone(r.Hadoop.Dir)+"  ("+r.Hadoop.DirFrom+")")
	row("files read", orNone(strings.Join(r.Hadoop.Files, ", ")))
	row("fs.defaultFS", orNone(r.Hadoop.DefaultFS))
	for _, k := range slices.Sorted(maps.Keys(r.Hadoop.Set)) {
		row("-D "+k, r.Hadoop.Set[k])
	}
	if r.Hadoop.Error != "" {
		row("error", r.Hadoop.Error)
	}
	fmt.Fprintln(w, "HDFS")
	row("user", r.HDFS.User+"  (HADOOP_USER_NAME, else the OS user)")
	row("authentication", r.HDFS.Authentication)
	row("datanode hostnames", r.HDFS.DatanodeHostname)
	for _, ns := range slices.Sorted(maps.Keys(r.HDFS.Nameservices)) {
		row("nameservice "+ns, strings.Join(r.HDFS.Nameservices[ns], ", "))
	}
	fmt.Fprintln(w, "COS")
	row("config", r.COS.Config)
	if r.COS.Error != "" {
		row("not usable", r.COS.Error)
	}
	fmt.Fprintln(w, "NATS")
	row("mode", r.NATS.Mode)
	if r.NATS.URL != "" {
		row("url", r.NATS.URL)
		row("auth", r.NATS.Auth)
		row("tls", r.NATS.TLS)
	}
	row("stream replicas", r.NATS.Replicas)
	fmt.Fprintln(w, "Job")
	row("sources", orNone(strings.Join(r.Job.Sources, " ")))
	row("target", orNone(r.Job.Target))
	row("simultaneous copies", r.Job.Workers)
	opts, _ := json.Marshal(r.Job.Options)
	row("options", string(opts))
	if r.Plan != nil {
		PrintPlan(w, *r.Plan)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "Note: "+n)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// listerConfig runs `lister config [--json] [options] [SRC... DST]`.
func listerConfig(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	asJSON := false
	var rest []string
	for _, a := range args {
		if a == "--json" || a == "-json" {
			asJSON = true
			continue
		}
		rest = append(rest, a)
	}
	cfg, err := lister.ParseArgs(append([]string{"--print-config"}, rest...))
	if err != nil {
		fmt.Fprintf(stderr, "lister config: %v\n", err)
		return ExitUsage
	}
	return showConfig(ctx, cfg, stdout, stderr, asJSON, "lister config")
}

// showConfig prints what cfg resolves to, with the plan of its sources
// and target if it names them. A plan that cannot be made is shown with
// the reason, and the exit status is still 0: the configuration was
// shown, and the copy itself refuses what is wrong.
func showConfig(ctx context.Context, cfg lister.Config, stdout, stderr io.Writer, asJSON bool, prog string) int {
	r := Resolve(cfg, os.Getenv)
	r.Plan = resolvePlan(ctx, cfg, stderr)
	if err := PrintConfig(stdout, r, asJSON); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return ExitFailed
	}
	return ExitOK
}
