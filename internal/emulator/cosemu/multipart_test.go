package cosemu

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestMultipartUpload(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	data := randBytes(5<<20+12345, 7)
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	meta := http.Header{}
	meta.Set("x-cos-meta-src", "hdfs")
	// The SDK verifies the whole object's crc64 from Complete's answer.
	res, _, err := c.Object.MultiUpload(ctx, "big/obj", path, &cos.MultiUploadOptions{
		PartSize: 1, ThreadPoolSize: 3,
		OptIni: &cos.InitiateMultipartUploadOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XCosMetaXXX: &meta, ContentType: "application/x-big"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.Trim(res.ETag, `"`), "-6") {
		t.Fatalf("multipart ETag %s, want suffix -6", res.ETag)
	}
	resp, got, err := getRange(t, c, "big/obj", "")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GET multipart object: %v, %d bytes", err, len(got))
	}
	if resp.Header.Get("x-cos-hash-crc64ecma") != crc64Of(data) || resp.Header.Get("x-cos-meta-src") != "hdfs" || resp.Header.Get("Content-Type") != "application/x-big" {
		t.Fatalf("GET headers %v", resp.Header)
	}
	ups, _, err := c.Object.ListUploads(ctx, &cos.ObjectListUploadsOptions{Prefix: "big/"})
	if err != nil || len(ups.Upload) != 0 {
		t.Fatalf("uploads left after complete: %v %v", ups, err)
	}
}

func TestMultipartErrors(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	key := "mp/small parts"
	ini, _, err := c.Object.InitiateMultipartUpload(ctx, key, nil)
	if err != nil || ini.UploadID == "" {
		t.Fatal(err)
	}
	p1, p2 := randBytes(1000, 1), randBytes(500, 2)
	r1, err := c.Object.UploadPart(ctx, key, ini.UploadID, 1, bytes.NewReader(p1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Header.Get("x-cos-hash-crc64ecma") != crc64Of(p1) {
		t.Fatal("UploadPart crc64 is not the part's")
	}
	r2, err := c.Object.UploadPart(ctx, key, ini.UploadID, 2, bytes.NewReader(p2), nil)
	if err != nil {
		t.Fatal(err)
	}
	e1, e2 := r1.Header.Get("ETag"), r2.Header.Get("ETag")

	lp, _, err := c.Object.ListParts(ctx, key, ini.UploadID, nil)
	if err != nil || len(lp.Parts) != 2 || lp.Parts[0].PartNumber != 1 || lp.Parts[1].Size != 500 || lp.Parts[0].ETag != e1 {
		t.Fatalf("ListParts: %+v %v", lp, err)
	}

	complete := func(parts ...cos.Object) error {
		_, _, err := c.Object.CompleteMultipartUpload(ctx, key, ini.UploadID, &cos.CompleteMultipartUploadOptions{Parts: parts})
		return err
	}
	cosErr(t, complete(cos.Object{PartNumber: 1, ETag: e1}, cos.Object{PartNumber: 2, ETag: e2}), 400, "EntityTooSmall")
	cosErr(t, complete(cos.Object{PartNumber: 2, ETag: e2}, cos.Object{PartNumber: 1, ETag: e1}), 400, "InvalidPartOrder")
	cosErr(t, complete(cos.Object{PartNumber: 1, ETag: e2}), 400, "InvalidPart")
	cosErr(t, complete(cos.Object{PartNumber: 3, ETag: e1}), 400, "InvalidPart")
	_, err = c.Object.UploadPart(ctx, key, ini.UploadID, 10001, strings.NewReader("x"), nil)
	cosErr(t, err, 400, "InvalidArgument")

	// A single small part is a valid (last) part.
	ini2, _, err := c.Object.InitiateMultipartUpload(ctx, "mp/one", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Object.UploadPart(ctx, "mp/one", ini2.UploadID, 1, bytes.NewReader(p2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Object.CompleteMultipartUpload(ctx, "mp/one", ini2.UploadID, &cos.CompleteMultipartUploadOptions{Parts: []cos.Object{{PartNumber: 1, ETag: r.Header.Get("ETag")}}}); err != nil {
		t.Fatal(err)
	}

	ups, _, err := c.Object.ListUploads(ctx, &cos.ObjectListUploadsOptions{Prefix: "mp/"})
	if err != nil || len(ups.Upload) != 1 || ups.Upload[0].UploadID != ini.UploadID || ups.Upload[0].Key != key {
		t.Fatalf("ListUploads before abort: %+v %v", ups, err)
	}
	if _, err := c.Object.AbortMultipartUpload(ctx, key, ini.UploadID); err != nil {
		t.Fatal(err)
	}
	ups, _, err = c.Object.ListUploads(ctx, &cos.ObjectListUploadsOptions{Prefix: "mp/"})
	if err != nil || len(ups.Upload) != 0 {
		t.Fatalf("ListUploads after abort: %+v %v", ups, err)
	}
	_, err = c.Object.UploadPart(ctx, key, ini.UploadID, 3, strings.NewReader("x"), nil)
	cosErr(t, err, 404, "NoSuchUpload")
	_, err = c.Object.AbortMultipartUpload(ctx, key, ini.UploadID)
	cosErr(t, err, 404, "NoSuchUpload")
	if _, err := c.Object.Head(ctx, key, nil); !cos.IsNotFoundError(err) {
		t.Fatalf("aborted upload left an object: %v", err)
	}
}

func TestCopy(t *testing.T) {
	_, addr := startEmu(t, Options{})
	c := newClient(t, addr, testBucket, testID, testKey)
	ctx := context.Background()
	data := randBytes(3<<20+17, 3)
	src := "src/a b+c ü%.bin"
	meta := http.Header{}
	meta.Set("x-cos-meta-k", "v1")
	if _, err := c.Object.Put(ctx, src, bytes.NewReader(data), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XCosMetaXXX: &meta, ContentType: "app/src"},
	}); err != nil {
		t.Fatal(err)
	}
	host := testBucket + ".cos.ap-guangzhou.myqcloud.com/"
	// The SDK escapes the source key itself (and takes a '?' for a version id).
	srcURL := host + src

	res, _, err := c.Object.Copy(ctx, "dst/copy", srcURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ETag == "" || res.CRC64 != crc64Of(data) {
		t.Fatalf("copy result %+v", res)
	}
	resp, got, err := getRange(t, c, "dst/copy", "")
	if err != nil || !bytes.Equal(got, data) || resp.Header.Get("x-cos-meta-k") != "v1" || resp.Header.Get("Content-Type") != "app/src" {
		t.Fatalf("copied object: %v %d bytes %v", err, len(got), resp.Header)
	}

	nm := http.Header{}
	nm.Set("x-cos-meta-k", "v2")
	_, _, err = c.Object.Copy(ctx, "dst/replaced", srcURL, &cos.ObjectCopyOptions{ObjectCopyHeaderOptions: &cos.ObjectCopyHeaderOptions{
		XCosMetadataDirective: "Replaced", XCosMetaXXX: &nm, ContentType: "app/new",
	}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.Object.Head(ctx, "dst/replaced", nil)
	if err != nil || resp.Header.Get("x-cos-meta-k") != "v2" || resp.Header.Get("Content-Type") != "app/new" || resp.Header.Get("Content-Length") != "3145745" {
		t.Fatalf("replaced copy: %v %v", err, resp.Header)
	}

	_, _, err = c.Object.Copy(ctx, "dst/x", host+"missing", nil)
	cosErr(t, err, 404, "NoSuchKey")

	// Cross-bucket copy into a bucket made with PUT Bucket.
	other := "otherbucket-1250000000"
	oc := newClient(t, addr, other, testID, testKey)
	if _, err := oc.Bucket.Put(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := oc.Object.Copy(ctx, "x", srcURL, nil); err != nil {
		t.Fatal(err)
	}
	if _, got, err := getRange(t, oc, "x", "bytes=0-99"); err != nil || !bytes.Equal(got, data[:100]) {
		t.Fatalf("cross-bucket copy: %v", err)
	}

	// Part copy: two ranges of the source.
	key := "dst/partcopy"
	ini, _, err := c.Object.InitiateMultipartUpload(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	var parts []cos.Object
	for i, rng := range []string{"bytes=0-2097151", "bytes=2097152-" + strconv.Itoa(len(data)-1)} {
		r, _, err := c.Object.CopyPart(ctx, key, ini.UploadID, i+1, srcURL, &cos.ObjectCopyPartOptions{XCosCopySourceRange: rng})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, cos.Object{PartNumber: i + 1, ETag: r.ETag})
	}
	_, _, err = c.Object.CopyPart(ctx, key, ini.UploadID, 3, srcURL, &cos.ObjectCopyPartOptions{XCosCopySourceRange: "bytes=0-" + strconv.Itoa(len(data))})
	cosErr(t, err, 400, "InvalidArgument")
	if _, _, err := c.Object.CompleteMultipartUpload(ctx, key, ini.UploadID, &cos.CompleteMultipartUploadOptions{Parts: parts}); err != nil {
		t.Fatal(err)
	}
	resp, got, err = getRange(t, c, key, "")
	if err != nil || !bytes.Equal(got, data) || resp.Header.Get("x-cos-hash-crc64ecma") != crc64Of(data) {
		t.Fatalf("part-copied object: %v, %d bytes", err, len(got))
	}
}
