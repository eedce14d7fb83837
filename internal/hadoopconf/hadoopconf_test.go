package hadoopconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "core-site.xml"), []byte(`<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://nn:9000</value></property>
  <property><name>fs.cosn.userinfo.secretId</name><value> AKID </value></property>
  <property><name>dfs.replication</name><value>2</value></property>
</configuration>`), 0o644)
	os.WriteFile(filepath.Join(dir, "hdfs-site.xml"), []byte(`<configuration>
  <property><name>dfs.replication</name><value>3</value></property>
</configuration>`), 0o644)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c["fs.defaultFS"] != "hdfs://nn:9000" || c["fs.cosn.userinfo.secretId"] != "AKID" || c["dfs.replication"] != "3" {
		t.Fatalf("%v", c)
	}
	if c.Get("nope", "fs.defaultFS") != "hdfs://nn:9000" || c.Get("nope") != "" {
		t.Fatal("Get")
	}
	os.WriteFile(filepath.Join(dir, "hdfs-site.xml"), []byte(`<configuration><property>`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "hdfs-site.xml") {
		t.Fatalf("broken file: %v", err)
	}
	env := map[string]string{"HADOOP_CONF_DIR": dir}
	if Dir(func(k string) string { return env[k] }) != dir {
		t.Fatal("Dir")
	}
}
