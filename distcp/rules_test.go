package distcp_test

import (
	"testing"

	"github.com/jetcp/jetcp/distcp"
)

// A temp file's or assembly's name gives its job back; other names none.
func TestTempJob(t *testing.T) {
	const job = "20261203-133801-6d4ed249"
	for name, want := range map[string]string{
		distcp.TempName(job, "12", 2, "0a1b2c3d"):  job,
		distcp.TempName(job, "7-3", 1, "0a1b2c3d"): job,
		distcp.TempName(job, "5", 0, "chunks"):     job,
		distcp.TempName("my_job-1", "5", 0, "x"):   "my_job-1",
		"data.bin":                                 "",
		distcp.TempPrefix:                          "",
		distcp.TempPrefix + job:                    "", // no dot after the id: not a name jetcp makes
		distcp.TempPrefix + "bad id.1.1.x":         "",
	} {
		got, ok := distcp.TempJob(name)
		if got != want && ok || ok != (want != "") {
			t.Errorf("TempJob(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}
