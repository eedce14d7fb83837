package fs

import "context"

// PartWriter is implemented by backends that can build one file from byte
// ranges written independently, in any order, by different processes:
// local files by positioned writes into one file, object stores as parts
// of one multipart upload. A large file is then copied by many copiers at
// once. Parts are numbered from 1, in file order.
type PartWriter interface {
	// StartParts begins assembling path; every other call takes the
	// upload id it returns. The parent directory may not exist yet.
	StartParts(ctx context.Context, path string, opts CreateOptions) (upload string, err error)
	// CreatePart starts writing part n, the size bytes at offset. Writing
	// a part again (a retry) replaces it.
	CreatePart(ctx context.Context, path, upload string, n int, offset, size int64) (Part, error)
	// CompleteParts makes the file whole from its parts' receipts, in
	// order. Completing an assembly that was completed already succeeds.
	CompleteParts(ctx context.Context, path, upload string, receipts []string) error
	// AbortParts discards an assembly and whatever its parts wrote.
	AbortParts(ctx context.Context, path, upload string) error
}

// Part receives one part's bytes; after Close, Receipt is what
// CompleteParts needs of it (an ETag; empty where nothing is needed).
type Part interface {
	Writer
	Receipt() string
}
