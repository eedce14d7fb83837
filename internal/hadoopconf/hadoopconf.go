// Package hadoopconf reads the Hadoop client configuration that jetcp's
// users already have: core-site.xml and hdfs-site.xml in HADOOP_CONF_DIR
// (else $HADOOP_HOME/etc/hadoop, else $HADOOP_HOME/conf).
package hadoopconf

import (
	"encoding/xml"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Conf is a flat map of property names to values.
type Conf map[string]string

// Get returns the first of the names that is set.
func (c Conf) Get(names ...string) string {
	for _, n := range names {
		if v, ok := c[n]; ok && v != "" {
			return v
		}
	}
	return ""
}

// Dir finds the configuration directory from an environment lookup.
func Dir(getenv func(string) string) string {
	if d := getenv("HADOOP_CONF_DIR"); d != "" {
		return d
	}
	if h := getenv("HADOOP_HOME"); h != "" {
		for _, d := range []string{filepath.Join(h, "etc", "hadoop"), filepath.Join(h, "conf")} {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				return d
			}
		}
	}
	return ""
}

// Load reads core-site.xml then hdfs-site.xml from dir (later files win).
// Missing files are fine; a file that does not parse is an error naming it.
func Load(dir string) (Conf, error) {
	c := Conf{}
	if dir == "" {
		return c, nil
	}
	for _, name := range []string{"core-site.xml", "hdfs-site.xml"} {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		if errors.Is(err, iofs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("hadoop configuration %s: %w", p, err)
		}
		var doc struct {
			Properties []struct {
				Name  string `xml:"name"`
				Value string `xml:"value"`
			} `xml:"property"`
		}
		if err := xml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("hadoop configuration %s: %w", p, err)
		}
		for _, prop := range doc.Properties {
			c[strings.TrimSpace(prop.Name)] = strings.TrimSpace(prop.Value)
		}
	}
	return c, nil
}

// Source is where a program's Hadoop configuration comes from: the
// environment locates the directory, and Set (DistCp's generic -D
// key=value options) overrides what its files say.
type Source struct {
	Getenv func(string) string
	Set    Conf
}

// Env is a Source with no overrides.
func Env(getenv func(string) string) Source { return Source{Getenv: getenv} }

// Load reads the configuration and applies the overrides.
func (s Source) Load() (Conf, error) {
	c, err := Load(Dir(s.Getenv))
	if err != nil {
		return nil, err
	}
	for k, v := range s.Set {
		c[k] = v
	}
	return c, nil
}
