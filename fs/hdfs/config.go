package hdfs

import (
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/hadoopconf"
)

// Config says how to reach one HDFS.
type Config struct {
	Addresses []string // NameNode RPC addresses, tried in turn (HA)
	User      string
	// Kerberos is set when hadoop.security.authentication is kerberos.
	Kerberos            *krbclient.Client
	KerberosServiceName string
	UseDatanodeHostname bool
	// Log gets the retries (debug level); the zero Logger logs nothing.
	Log zerolog.Logger
}

// Resolve finds the NameNodes for host: "nn:9000" is itself; a nameservice
// of dfs.nameservices expands to its NameNodes; "" is fs.defaultFS's.
func Resolve(host string, conf hadoopconf.Conf) ([]string, error) {
	if host == "" {
		def := conf.Get("fs.defaultFS", "fs.default.name")
		u, err := url.Parse(def)
		if def == "" || err != nil || u.Scheme != "hdfs" || u.Host == "" {
			return nil, fmt.Errorf("hdfs:///path needs fs.defaultFS = hdfs://namenode:port in core-site.xml (HADOOP_CONF_DIR); give hdfs://namenode:port/path instead")
		}
		host = u.Host
	}
	if ids := conf.Get("dfs.ha.namenodes." + host); ids != "" {
		var addrs []string
		for _, id := range strings.Split(ids, ",") {
			a := conf.Get("dfs.namenode.rpc-address." + host + "." + strings.TrimSpace(id))
			if a == "" {
				return nil, fmt.Errorf("nameservice %s: no dfs.namenode.rpc-address.%s.%s in the Hadoop configuration", host, host, strings.TrimSpace(id))
			}
			addrs = append(addrs, a)
		}
		return addrs, nil
	}
	if !strings.Contains(host, ":") {
		return nil, fmt.Errorf("hdfs://%s: not a nameservice in the Hadoop configuration, and no port: give hdfs://%s:8020/path", host, host)
	}
	return []string{host}, nil
}

// UserFrom is HADOOP_USER_NAME, else the OS user, as Hadoop's client does.
func UserFrom(getenv func(string) string) string {
	if u := getenv("HADOOP_USER_NAME"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}

// ConfigFor builds the config of the HDFS that host names.
func ConfigFor(host string, getenv func(string) string, conf hadoopconf.Conf) (Config, error) {
	addrs, err := Resolve(host, conf)
	if err != nil {
		return Config{}, err
	}
	c := Config{Addresses: addrs, User: UserFrom(getenv), UseDatanodeHostname: conf.Get("dfs.client.use.datanode.hostname") == "true"}
	if strings.EqualFold(conf.Get("hadoop.security.authentication"), "kerberos") {
		kc, err := kerberos(getenv)
		if err != nil {
			return Config{}, err
		}
		c.Kerberos = kc
		c.KerberosServiceName = strings.Split(conf.Get("dfs.namenode.kerberos.principal"), "@")[0]
		if c.KerberosServiceName == "" {
			return Config{}, fmt.Errorf("kerberos is on (hadoop.security.authentication) but dfs.namenode.kerberos.principal is not set in hdfs-site.xml")
		}
	}
	return c, nil
}

// kerberos loads the user's ticket cache, as `kinit` left it.
func kerberos(getenv func(string) string) (*krbclient.Client, error) {
	cfgPath := getenv("KRB5_CONFIG")
	if cfgPath == "" {
		cfgPath = "/etc/krb5.conf"
	}
	cfg, err := krbconfig.Load(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("kerberos is on (hadoop.security.authentication) but %s cannot be read: %v: set KRB5_CONFIG", cfgPath, err)
	}
	cc := strings.TrimPrefix(getenv("KRB5CCNAME"), "FILE:")
	if cc == "" {
		cc = filepath.Join(os.TempDir(), fmt.Sprintf("krb5cc_%d", os.Getuid()))
	}
	ccache, err := credentials.LoadCCache(cc)
	if err != nil {
		return nil, fmt.Errorf("kerberos is on (hadoop.security.authentication) but there is no ticket cache at %s: run kinit (or set KRB5CCNAME)", cc)
	}
	kc, err := krbclient.NewFromCCache(ccache, cfg)
	if err != nil {
		return nil, fmt.Errorf("kerberos ticket cache %s: %v: run kinit again", cc, err)
	}
	return kc, nil
}
