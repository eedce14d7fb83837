package cosemu

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// TestStatsCountsEachKind drives a known sequence of SDK calls and wants
// exactly one count per request, under its kind, in Stats and at the
// HTTP stats endpoint.
func TestStatsCountsEachKind(t *testing.T) {
	s, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Object.Put(ctx, "d/a", strings.NewReader("hello"), nil)
	must(err)
	_, err = c.Object.Put(ctx, "d/", strings.NewReader(""), nil) // a directory marker
	must(err)
	_, err = c.Object.Head(ctx, "d/a", nil)
	must(err)
	_, err = c.Object.Head(ctx, "d/missing", nil)
	cosErr(t, err, http.StatusNotFound, "")
	resp, err := c.Object.Get(ctx, "d/a", nil)
	must(err)
	resp.Body.Close()
	_, _, err = c.Bucket.Get(ctx, &cos.BucketGetOptions{Prefix: "d/", Delimiter: "/"})
	must(err)
	_, _, err = c.Object.Copy(ctx, "d/b", testBucket+".cos.ap-guangzhou.myqcloud.com/d/a", nil)
	must(err)
	_, err = c.Object.Delete(ctx, "d/b")
	must(err)

	up, _, err := c.Object.InitiateMultipartUpload(ctx, "d/big", nil)
	must(err)
	part := bytes.Repeat([]byte("x"), 1<<20)
	r1, err := c.Object.UploadPart(ctx, "d/big", up.UploadID, 1, bytes.NewReader(part), nil)
	must(err)
	r2, _, err := c.Object.CopyPart(ctx, "d/big", up.UploadID, 2, testBucket+".cos.ap-guangzhou.myqcloud.com/d/a", nil)
	must(err)
	_, _, err = c.Object.ListParts(ctx, "d/big", up.UploadID, nil)
	must(err)
	_, _, err = c.Bucket.ListMultipartUploads(ctx, nil)
	must(err)
	_, _, err = c.Object.CompleteMultipartUpload(ctx, "d/big", up.UploadID, &cos.CompleteMultipartUploadOptions{Parts: []cos.Object{
		{PartNumber: 1, ETag: r1.Header.Get("ETag")}, {PartNumber: 2, ETag: r2.ETag}}})
	must(err)
	up2, _, err := c.Object.InitiateMultipartUpload(ctx, "d/big2", nil)
	must(err)
	_, err = c.Object.AbortMultipartUpload(ctx, "d/big2", up2.UploadID)
	must(err)
	_, _, err = c.Object.DeleteMulti(ctx, &cos.ObjectDeleteMultiOptions{Quiet: true, Objects: []cos.Object{{Key: "d/big"}}})
	must(err)
	_, err = c.Bucket.Head(ctx)
	must(err)

	want := Stats{Head: 2, Get: 1, Put: 2, Delete: 1, List: 1, Copy: 1, DeleteMulti: 1,
		Initiate: 2, UploadPart: 1, UploadPartCopy: 1, Complete: 1, Abort: 1, ListUploads: 1, ListParts: 1,
		Bucket: 1, Total: 18}
	if got := s.Stats(); got != want {
		t.Fatalf("Stats:\n got %+v\nwant %+v", got, want)
	}
	if got := s.Requests(); got != want.Total {
		t.Fatalf("Requests() = %d, Stats total %d", got, want.Total)
	}

	// Another process reads the same at the endpoint, unsigned, by the
	// emulator's address; asking is not counted.
	for range 2 {
		hr, err := http.Get("http://" + addr + StatsPath)
		must(err)
		var got Stats
		err = json.NewDecoder(hr.Body).Decode(&got)
		hr.Body.Close()
		must(err)
		if hr.StatusCode != http.StatusOK || got != want {
			t.Fatalf("GET %s: %d %+v, want %+v", StatsPath, hr.StatusCode, got, want)
		}
	}
	if d := s.Stats().Sub(Stats{Head: 2, Total: 2}); d.Head != 0 || d.Total != 16 {
		t.Fatalf("Sub: %+v", d)
	}
}

// TestStatsPathIsAnObjectKeyInABucket: the stats path on a bucket's host
// is an ordinary key, stored and read back as such.
func TestStatsPathIsAnObjectKeyInABucket(t *testing.T) {
	s, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	k := strings.TrimPrefix(StatsPath, "/")
	if _, err := c.Object.Put(ctx, k, strings.NewReader("not stats"), nil); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Object.Get(ctx, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if b.String() != "not stats" {
		t.Fatalf("GET %s in a bucket = %q", k, b.String())
	}
	if st := s.Stats(); st.Put != 1 || st.Get != 1 || st.Total != 2 {
		t.Fatalf("Stats = %+v", st)
	}
}
