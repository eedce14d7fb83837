package hdfs

import (
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/hadoopconf"
)

func TestResolve(t *testing.T) {
	conf := hadoopconf.Conf{
		"fs.defaultFS":                           "hdfs://mycluster",
		"dfs.ha.namenodes.mycluster":             "nn1, nn2",
		"dfs.namenode.rpc-address.mycluster.nn1": "10.0.0.1:8020",
		"dfs.namenode.rpc-address.mycluster.nn2": "10.0.0.2:8020",
	}
	for host, want := range map[string]string{
		"":          "10.0.0.1:8020,10.0.0.2:8020",
		"mycluster": "10.0.0.1:8020,10.0.0.2:8020",
		"nn:9000":   "nn:9000",
	} {
		got, err := Resolve(host, conf)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("%q: %v %v, want %s", host, got, err, want)
		}
	}
	if _, err := Resolve("other", conf); err == nil || !strings.Contains(err.Error(), "not a nameservice") {
		t.Errorf("unknown nameservice: %v", err)
	}
	if _, err := Resolve("", hadoopconf.Conf{}); err == nil || !strings.Contains(err.Error(), "fs.defaultFS") {
		t.Errorf("no default: %v", err)
	}
	delete(conf, "dfs.namenode.rpc-address.mycluster.nn2")
	if _, err := Resolve("mycluster", conf); err == nil || !strings.Contains(err.Error(), "nn2") {
		t.Errorf("half-configured HA: %v", err)
	}
}

func TestUserAndKerberosErrors(t *testing.T) {
	env := map[string]string{"HADOOP_USER_NAME": "etl"}
	getenv := func(k string) string { return env[k] }
	if UserFrom(getenv) != "etl" {
		t.Fatal("HADOOP_USER_NAME ignored")
	}
	env["KRB5_CONFIG"] = "/nonexistent/krb5.conf"
	_, err := ConfigFor("nn:9000", getenv, hadoopconf.Conf{"hadoop.security.authentication": "kerberos"})
	if err == nil || !strings.Contains(err.Error(), "KRB5_CONFIG") {
		t.Fatalf("kerberos without config: %v", err)
	}
}
