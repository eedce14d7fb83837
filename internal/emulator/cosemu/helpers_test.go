package cosemu

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

const (
	testID     = "AKIDemulatortest0001"
	testKey    = "emulator-test-secret-key"
	testBucket = "examplebucket-1250000000"
)

// startEmu starts an emulator with testBucket and the test credentials.
func startEmu(t *testing.T, o Options) (*Server, string) {
	t.Helper()
	if o.SecretID == "" {
		o.SecretID, o.SecretKey = testID, testKey
	}
	if o.Buckets == nil {
		o.Buckets = []string{testBucket}
	}
	s, base, err := Start(o, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return s, u.Host
}

// dialTo returns a transport that dials addr whatever the URL's host is.
func dialTo(addr string) *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 32,
	}
}

// newClient returns an SDK client for bucket that reaches the emulator at
// addr while keeping the real COS host name. The SDK's CRC check stays on.
func newClient(t *testing.T, addr, bucket, id, key string) *cos.Client {
	t.Helper()
	bu, _ := url.Parse("http://" + bucket + ".cos.ap-guangzhou.myqcloud.com")
	su, _ := url.Parse("http://service.cos.myqcloud.com")
	tr := dialTo(addr)
	t.Cleanup(tr.CloseIdleConnections)
	c := cos.NewClient(&cos.BaseURL{BucketURL: bu, ServiceURL: su},
		&http.Client{Transport: &cos.AuthorizationTransport{SecretID: id, SecretKey: key, Transport: tr}})
	if !c.Conf.EnableCRC {
		t.Fatal("SDK CRC check is off")
	}
	return c
}

// cosErr asserts that err is a COS error with the status and code.
func cosErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	e, ok := cos.IsCOSError(err)
	if !ok {
		t.Fatalf("want COS error %d %s, got %T %v", status, code, err, err)
	}
	if e.Response == nil || e.Response.StatusCode != status || (code != "" && e.Code != code) {
		st := 0
		if e.Response != nil {
			st = e.Response.StatusCode
		}
		t.Fatalf("want COS error %d %s, got %d %s (%s)", status, code, st, e.Code, e.Message)
	}
}
