package hdfs

import (
	"errors"
	"syscall"
	"testing"

	"github.com/jetcp/jetcp/fs"
)

// nnError is an error as the client passes a NameNode's Java exception on.
type nnError struct{ ex string }

func (e nnError) Error() string     { return e.ex + ": the message" }
func (e nnError) Exception() string { return e.ex }

// A NameNode's exceptions become the io/fs or errno sentinels callers
// classify by: a full quota is no more worth trying again than a full disk.
func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		ex   string
		want error
	}{
		{"org.apache.hadoop.security.AccessControlException", fs.ErrPermission},
		{"java.io.FileNotFoundException", fs.ErrNotExist},
		{"org.apache.hadoop.hdfs.protocol.DSQuotaExceededException", syscall.EDQUOT},
		{"org.apache.hadoop.hdfs.protocol.NSQuotaExceededException", syscall.EDQUOT},
		{"org.apache.hadoop.hdfs.server.namenode.SafeModeException", nil},
	} {
		err := explain(nnError{tc.ex})
		if tc.want == nil {
			if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EDQUOT) {
				t.Errorf("%s: explained as %v", tc.ex, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v does not wrap %v", tc.ex, err, tc.want)
		}
	}
}
