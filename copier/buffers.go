package copier

import "github.com/jetcp/jetcp/messages"

// bufferSize is the buffer for a file of size bytes: the job's buffer, or
// less for a smaller file (one byte over, to see EOF or growth in one read).
func bufferSize(jobSize int, size int64) int {
	if jobSize <= 0 {
		jobSize = messages.DefaultCopyBufferSize
	}
	if size+1 < int64(jobSize) {
		// Round up so files of similar sizes share a pool.
		n := 4096
		for int64(n) < size+1 {
			n *= 2
		}
		return min(n, jobSize)
	}
	return jobSize
}
