package cos

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jetcp/jetcp/internal/hadoopconf"
)

// Config says how to reach COS. Secrets never leave it: String masks them.
type Config struct {
	SecretID, SecretKey, SessionToken string
	Region                            string
	// EndpointSuffix is the host after the bucket: cos.<region>.myqcloud.com.
	EndpointSuffix string
	// Endpoint, when set (COS_ENDPOINT, e.g. http://127.0.0.1:9100), receives
	// every request; the Host header still names the bucket.
	Endpoint string
	// PartSize is the multipart part size, and the size from which uploads
	// are multipart.
	PartSize int64
	// MaxCopySize is the largest object one Put Object - Copy copies; a
	// larger one is copied by Upload Part - Copy ranges. 0: COS's limit,
	// 5 GiB (tests lower it).
	MaxCopySize int64
}

// DefaultPartSize is Hadoop-COS's default upload part size.
const DefaultPartSize = 8 << 20

// String describes the config with secrets masked, for logs and errors.
func (c Config) String() string {
	return fmt.Sprintf("cos{region=%s suffix=%s endpoint=%s secret_id=%s secret_key=%s part_size=%d}",
		c.Region, c.EndpointSuffix, c.Endpoint, mask(c.SecretID), mask(c.SecretKey), c.PartSize)
}

func mask(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "****"
}

// FromEnv builds a Config from the environment (COS_SECRET_ID, COS_SECRET_KEY,
// COS_SESSION_TOKEN, COS_REGION, COS_ENDPOINT, COS_PART_SIZE), falling back
// to Hadoop-COS's keys in the Hadoop configuration.
func FromEnv(getenv func(string) string, conf hadoopconf.Conf) (Config, error) {
	first := func(env string, keys ...string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return conf.Get(keys...)
	}
	c := Config{
		SecretID:       first("COS_SECRET_ID", "fs.cosn.userinfo.secretId"),
		SecretKey:      first("COS_SECRET_KEY", "fs.cosn.userinfo.secretKey"),
		SessionToken:   first("COS_SESSION_TOKEN", "fs.cosn.userinfo.sessionToken"),
		Region:         first("COS_REGION", "fs.cosn.bucket.region", "fs.cosn.userinfo.region"),
		EndpointSuffix: conf.Get("fs.cosn.bucket.endpoint_suffix"),
		Endpoint:       getenv("COS_ENDPOINT"),
		PartSize:       DefaultPartSize,
	}
	if ps := first("COS_PART_SIZE", "fs.cosn.upload.part.size"); ps != "" {
		n, err := strconv.ParseInt(ps, 10, 64)
		if err != nil || n < 1<<20 || n > 5<<30 {
			return c, fmt.Errorf("COS part size %q: give bytes between 1048576 and 5368709120 (COS_PART_SIZE or fs.cosn.upload.part.size)", ps)
		}
		c.PartSize = n
	}
	return c, c.validate()
}

func (c Config) validate() error {
	if c.SecretID == "" || c.SecretKey == "" {
		return fmt.Errorf("COS credentials missing: set COS_SECRET_ID and COS_SECRET_KEY, or fs.cosn.userinfo.secretId and fs.cosn.userinfo.secretKey in core-site.xml")
	}
	if c.Region == "" && c.EndpointSuffix == "" {
		return fmt.Errorf("COS region missing: set COS_REGION or fs.cosn.bucket.region (e.g. ap-guangzhou)")
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("COS_ENDPOINT %q: give a URL such as http://127.0.0.1:9100", c.Endpoint)
		}
	}
	if c.PartSize == 0 {
		return fmt.Errorf("COS part size is 0")
	}
	return nil
}

// regionInUse names the region (or endpoint suffix) requests go to.
func (c Config) regionInUse() string {
	switch {
	case c.Region != "":
		return c.Region
	case c.EndpointSuffix != "":
		return "endpoint " + c.EndpointSuffix
	}
	return "(unset)"
}

// host is the bucket's virtual host name.
func (c Config) host(bucket string) string {
	suffix := c.EndpointSuffix
	if suffix == "" {
		suffix = "cos." + c.Region + ".myqcloud.com"
	}
	return bucket + "." + strings.TrimPrefix(suffix, ".")
}
