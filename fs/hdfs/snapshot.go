package hdfs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/jetcp/jetcp/fs"
)

// Snapshots (fs.Snapshotter). colinmarc's client sends none of the
// snapshot RPCs and keeps its RPC connection and protobuf types internal,
// so FS speaks them itself, on its own NameNode connection (ownrpc.go),
// the messages encoded by hand (protowire): allowSnapshot, createSnapshot,
// deleteSnapshot and getSnapshotDiffReportListing (paged, Hadoop 3.1+),
// whose listing is turned into the report the way Hadoop's client does
// (SnapshotDiffReportGenerator). Only SIMPLE authentication: with
// Kerberos the calls fail with errors.ErrUnsupported.

// CreateSnapshot allows snapshots on dir (as `hdfs dfsadmin
// -allowSnapshot`, which needs the superuser; a dir already allowed is
// fine) and makes snapshot name.
func (f *FS) CreateSnapshot(ctx context.Context, dir, name string) error {
	if _, err := f.snapshotRPC(ctx, "allowSnapshot", appendString(nil, 1, dir)); err != nil {
		return fmt.Errorf("allow snapshots on %s%s: %w", f.name, dir, err)
	}
	req := appendString(appendString(nil, 1, dir), 2, name)
	if _, err := f.snapshotRPC(ctx, "createSnapshot", req); err != nil {
		return fmt.Errorf("create snapshot %s of %s%s: %w", name, f.name, dir, err)
	}
	return nil
}

// DeleteSnapshot deletes snapshot name of dir.
func (f *FS) DeleteSnapshot(ctx context.Context, dir, name string) error {
	req := appendString(appendString(nil, 1, dir), 2, name)
	if _, err := f.snapshotRPC(ctx, "deleteSnapshot", req); err != nil {
		return fmt.Errorf("delete snapshot %s of %s%s: %w", name, f.name, dir, err)
	}
	return nil
}

// SnapshotDiff reads the listing page by page and turns it into a report.
func (f *FS) SnapshotDiff(ctx context.Context, dir, from, to string) ([]fs.DiffEntry, error) {
	var l diffListing
	cursor := []byte(nil)
	for pages := 0; ; pages++ {
		req := appendString(appendString(appendString(nil, 1, dir), 2, from), 3, to)
		if cursor != nil {
			req = protowire.AppendTag(req, 4, protowire.BytesType)
			req = protowire.AppendBytes(req, cursor)
		}
		resp, err := f.snapshotRPC(ctx, "getSnapshotDiffReportListing", req)
		if err != nil {
			return nil, fmt.Errorf("snapshot diff %s..%s of %s%s: %w", from, to, f.name, dir, err)
		}
		next, err := l.addPage(resp)
		if err != nil {
			return nil, fmt.Errorf("snapshot diff %s..%s of %s%s: page %d: %w", from, to, f.name, dir, pages+1, err)
		}
		if next == nil {
			return l.report(), nil
		}
		cursor = next
	}
}

// snapshotRPC sends one request on jetcp's own NameNode connection
// (ownrpc.go: nnConn's redials and resends, the next NameNode on a
// standby), retried as a whole by FS.do; every snapshot call is
// idempotent or refused the second time in a way its caller reads
// (a snapshot already there). Without one (Kerberos) it is unsupported.
func (f *FS) snapshotRPC(ctx context.Context, method string, req []byte) ([]byte, error) {
	if f.own == nil {
		return nil, fmt.Errorf("snapshot calls with Kerberos: %w", errors.ErrUnsupported)
	}
	resp, err := get(ctx, f, func(*client, bool) ([]byte, error) { return f.own.call(ctx, method, req) })
	var re *rpcError
	if errors.As(err, &re) && strings.HasSuffix(re.class, ".SnapshotException") && strings.Contains(re.msg, "Cannot find the snapshot") {
		err = fmt.Errorf("%w (%w)", err, iofs.ErrNotExist)
	}
	return resp, err
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// eachField calls fn with every varint (v) or length-delimited (bs) field
// of message b.
func eachField(b []byte, fn func(num protowire.Number, v uint64, bs []byte)) error {
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 {
			return errors.New("malformed protobuf message")
		}
		b = b[k:]
		switch typ {
		case protowire.VarintType:
			var v uint64
			v, k = protowire.ConsumeVarint(b)
			if k >= 0 {
				fn(num, v, nil)
			}
		case protowire.BytesType:
			var bs []byte
			bs, k = protowire.ConsumeBytes(b)
			if k >= 0 {
				fn(num, 0, bs)
			}
		default:
			k = protowire.ConsumeFieldValue(num, typ, b)
		}
		if k < 0 {
			return errors.New("malformed protobuf message")
		}
		b = b[k:]
	}
	return nil
}
