package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jetcp/jetcp/internal/cli"
)

// COS bucket mistakes are one line, exit status 2, before anything is
// written, naming the bucket-appid form and the region in use: a bucket
// without its appid, and a bucket that does not exist (as source, as
// target, and as a target's root).
func TestCOSBucketMistakes(t *testing.T) {
	cosEnv(t)
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	noAppid := `COS bucket "mybucket" is not of the form bucket-appid: give it with its appid, e.g. cosn://examplebucket-1250000000/path (region in use: ap-guangzhou)`
	missing := `COS bucket nosuch-1250000000 does not exist in region ap-guangzhou (404 Not Found NoSuchBucket: The specified bucket nosuch-1250000000 does not exist.): give an existing bucket as bucket-appid, e.g. cosn://examplebucket-1250000000/path, and its region (COS_REGION or fs.cosn.bucket.region)`
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{src, "cosn://mybucket/path"}, "lister: target cosn://mybucket/path: open cosn://mybucket: " + noAppid},
		{[]string{"cosn://mybucket/path", dst}, "lister: source cosn://mybucket/path: open cosn://mybucket: " + noAppid},
		{[]string{src, "cosn://nosuch-1250000000/path"}, "lister: target cosn://nosuch-1250000000/path: " + missing},
		{[]string{src, "cosn://nosuch-1250000000/"}, "lister: target cosn://nosuch-1250000000/: " + missing},
		{[]string{"cosn://nosuch-1250000000/path", dst}, "lister: source cosn://nosuch-1250000000/path: " + missing},
	} {
		code, out, errs := run(t, c.args...)
		if code != cli.ExitUsage || strings.TrimSpace(errs) != c.want || out != "" {
			t.Errorf("%q: exit %d\nstderr %s\nwant   %s\nstdout %s", c.args, code, strings.TrimSpace(errs), c.want, out)
		}
		if _, err := os.Stat(dst); !os.IsNotExist(err) {
			t.Fatalf("target was created")
		}
	}
}

// A refused key shows COS's error code and message, never the secret.
func TestCOSRefusedKeyShowsCOSError(t *testing.T) {
	cosEnv(t)
	t.Setenv("COS_SECRET_KEY", "wrong-secret-key")
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "f"), []byte("f"))
	dst := filepath.Join(t.TempDir(), "dst")
	for _, args := range [][]string{{src, "cosn://" + cosBucket + "/path"}, {"cosn://" + cosBucket + "/path", dst}} {
		code, out, errs := run(t, args...)
		want := "COS refused the credentials (403 Forbidden SignatureDoesNotMatch: The Signature you specified does not match"
		if code != cli.ExitUsage || !strings.Contains(errs, want) || strings.Contains(errs, "(: )") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%q: exit %d\nstderr %s\nwant it to contain %s\nstdout %s", args, code, errs, want, out)
		}
		if strings.Contains(errs+out, "wrong-secret-key") || strings.Contains(errs+out, "e2e-secret-key") {
			t.Fatalf("secret in output: %s", errs)
		}
	}
}
