package cosemu

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

func crc64Of(b []byte) string {
	return strconv.FormatUint(crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)), 10)
}

func getRange(t *testing.T, c *cos.Client, key, rng string) (*cos.Response, []byte, error) {
	t.Helper()
	var opt *cos.ObjectGetOptions
	if rng != "" {
		opt = &cos.ObjectGetOptions{Range: rng}
	}
	resp, err := c.Object.Get(context.Background(), key, opt)
	if err != nil {
		return resp, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestPutHeadGetDelete(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	data := []byte("0123456789abcdefghij")
	key := "dir/some file+name ü?.txt"

	meta := http.Header{}
	meta.Set("x-cos-meta-owner", "jetcp")
	meta.Set("x-cos-meta-mtime", "1700000000")
	resp, err := c.Object.Put(ctx, key, bytes.NewReader(data), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentType: "text/plain", XCosMetaXXX: &meta, CacheControl: "no-cache"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	wantETag := `"` + hex.EncodeToString(sum[:]) + `"`
	if got := resp.Header.Get("ETag"); got != wantETag {
		t.Fatalf("put ETag %s, want %s", got, wantETag)
	}

	resp, err = c.Object.Head(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	for k, want := range map[string]string{
		"Content-Length": "20", "Content-Type": "text/plain", "ETag": wantETag, "Cache-Control": "no-cache",
		"X-Cos-Meta-Owner": "jetcp", "X-Cos-Meta-Mtime": "1700000000", "X-Cos-Hash-Crc64ecma": crc64Of(data),
	} {
		if got := h.Get(k); got != want {
			t.Errorf("HEAD %s = %q, want %q", k, got, want)
		}
	}
	if h.Get("Last-Modified") == "" || h.Get("X-Cos-Request-Id") == "" {
		t.Errorf("HEAD lacks Last-Modified or request id: %v", h)
	}
	if h.Get("X-Cos-Hash-Crc32c") != "" {
		t.Errorf("crc32c sent without the flag")
	}

	resp, got, err := getRange(t, c, key, "")
	if err != nil || !bytes.Equal(got, data) || resp.StatusCode != 200 || resp.Header.Get("X-Cos-Meta-Owner") != "jetcp" {
		t.Fatalf("GET = %d %q %v", resp.StatusCode, got, err)
	}
	for _, tc := range []struct {
		rng, body, cr string
	}{
		{"bytes=2-5", "2345", "bytes 2-5/20"},
		{"bytes=15-", "fghij", "bytes 15-19/20"},
		{"bytes=18-100", "ij", "bytes 18-19/20"},
		{"bytes=-3", "hij", "bytes 17-19/20"},
	} {
		resp, got, err := getRange(t, c, key, tc.rng)
		if err != nil {
			t.Fatal(tc.rng, err)
		}
		if resp.StatusCode != 206 || string(got) != tc.body || resp.Header.Get("Content-Range") != tc.cr {
			t.Errorf("GET %s = %d %q %q", tc.rng, resp.StatusCode, got, resp.Header.Get("Content-Range"))
		}
	}
	_, _, err = getRange(t, c, key, "bytes=20-")
	cosErr(t, err, 416, "InvalidRange")

	// Unknown-length body: sent chunked; the SDK still checks the CRC.
	chunked := bytes.Repeat([]byte("chunk"), 50000)
	if _, err := c.Object.Put(ctx, "chunked", io.MultiReader(bytes.NewReader(chunked)), nil); err != nil {
		t.Fatal(err)
	}
	if _, got, err := getRange(t, c, "chunked", ""); err != nil || !bytes.Equal(got, chunked) {
		t.Fatalf("chunked GET: %v, %d bytes", err, len(got))
	}
	// Empty object.
	if _, err := c.Object.Put(ctx, "empty/", strings.NewReader(""), nil); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Object.Head(ctx, "empty/", nil); err != nil || resp.Header.Get("Content-Length") != "0" {
		t.Fatalf("empty HEAD: %v", err)
	}

	if _, err := c.Object.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	_, err = c.Object.Head(ctx, key, nil)
	if !cos.IsNotFoundError(err) {
		t.Fatalf("HEAD after delete: %v", err)
	}
	_, _, err = getRange(t, c, key, "")
	cosErr(t, err, 404, "NoSuchKey")
	if resp, err := c.Object.Delete(ctx, key); err != nil || resp.StatusCode != 204 {
		t.Fatalf("second delete: %v", err)
	}

	// Unknown bucket.
	other := newClient(t, addr, "nosuchbucket-1250000000", testID, testKey)
	_, _, err = getRange(t, other, "x", "")
	cosErr(t, err, 404, "NoSuchBucket")
}

func TestAuth(t *testing.T) {
	s, addr := startEmu(t, Options{})
	ctx := context.Background()
	good := newClient(t, addr, testBucket, testID, testKey)
	if _, err := good.Object.Put(ctx, "k", strings.NewReader("v"), nil); err != nil {
		t.Fatal(err)
	}

	_, err := newClient(t, addr, testBucket, testID, "wrong-key").Object.Head(ctx, "k", nil)
	cosErr(t, err, 403, "") // HEAD has no body, so no code
	_, _, err = getRange(t, newClient(t, addr, testBucket, testID, "wrong-key"), "k", "")
	cosErr(t, err, 403, "SignatureDoesNotMatch")
	_, err = newClient(t, addr, testBucket, testID, "wrong-key").Object.Put(ctx, "k2", strings.NewReader("v"), nil)
	cosErr(t, err, 403, "SignatureDoesNotMatch")
	_, _, err = getRange(t, newClient(t, addr, testBucket, "AKIDother", testKey), "k", "")
	cosErr(t, err, 403, "InvalidAccessKeyId")

	// No Authorization at all.
	tr := dialTo(addr)
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + testBucket + ".cos.ap-guangzhou.myqcloud.com/k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
		t.Fatalf("unsigned GET: %d %s", resp.StatusCode, body)
	}

	// Tampering with a signed request breaks the signature.
	req, _ := http.NewRequest("GET", "http://"+testBucket+".cos.ap-guangzhou.myqcloud.com/k", nil)
	cos.AddAuthorizationHeader(testID, testKey, "", req, cos.NewAuthTime(time.Minute))
	req.Header.Set("Range", "bytes=0-0") // not signed: allowed
	req.URL.Path = "/k2"                 // signed: breaks the signature
	resp, err = (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("tampered request: %d", resp.StatusCode)
	}

	// A session token is accepted (and signed as an x-cos-* header).
	tr2 := dialTo(addr)
	defer tr2.CloseIdleConnections()
	tok := cos.NewClient(good.BaseURL, &http.Client{Transport: &cos.AuthorizationTransport{SecretID: testID, SecretKey: testKey, SessionToken: "tok", Transport: tr2}})
	if _, err := tok.Object.Head(ctx, "k", nil); err != nil {
		t.Fatal(err)
	}
	if s.Requests() < 8 {
		t.Fatalf("Requests() = %d", s.Requests())
	}
}

func TestCRC32C(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	data := bytes.Repeat([]byte("crc32c data "), 1000)
	want := strconv.FormatUint(uint64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))), 10)
	flag := http.Header{}
	flag.Set("x-cos-crc32c-flag", "cosn")
	resp, err := c.Object.Put(ctx, "c", bytes.NewReader(data), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XOptionHeader: &flag},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("x-cos-hash-crc32c"); got != want {
		t.Fatalf("PUT crc32c %q, want %q", got, want)
	}
	resp, err = c.Object.Head(ctx, "c", &cos.ObjectHeadOptions{XOptionHeader: &flag})
	if err != nil || resp.Header.Get("x-cos-hash-crc32c") != want {
		t.Fatalf("HEAD crc32c %q, want %q (%v)", resp.Header.Get("x-cos-hash-crc32c"), want, err)
	}
	resp, err = c.Object.Head(ctx, "c", nil)
	if err != nil || resp.Header.Get("x-cos-hash-crc32c") != "" {
		t.Fatalf("HEAD without flag: %v %v", resp.Header, err)
	}
	// Check value of the format: CRC-32C("123456789") = 0xE3069283.
	if _, err := c.Object.Put(ctx, "check", strings.NewReader("123456789"), nil); err != nil {
		t.Fatal(err)
	}
	resp, err = c.Object.Head(ctx, "check", &cos.ObjectHeadOptions{XOptionHeader: &flag})
	if err != nil || resp.Header.Get("x-cos-hash-crc32c") != strconv.FormatUint(0xE3069283, 10) {
		t.Fatalf("crc32c of 123456789: %q", resp.Header.Get("x-cos-hash-crc32c"))
	}
}

func TestDeleteMulti(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	putAll(t, c, []string{"m/a", "m/b c", "m/keep"})
	res, _, err := c.Object.DeleteMulti(ctx, &cos.ObjectDeleteMultiOptions{Objects: []cos.Object{{Key: "m/a"}, {Key: "m/b c"}, {Key: "m/missing"}}})
	if err != nil || len(res.DeletedObjects) != 3 {
		t.Fatalf("DeleteMulti: %+v %v", res, err)
	}
	lr, _, err := c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "m/"})
	if err != nil || len(lr.Contents) != 1 || lr.Contents[0].Key != "m/keep" {
		t.Fatalf("after DeleteMulti: %+v %v", lr, err)
	}
}
