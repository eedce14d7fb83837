package hdfs

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/jetcp/jetcp/fs"
)

// listingEntry is a SnapshotDiffReportListingEntryProto.
type listingEntry struct {
	path, target []byte
	dirID        uint64
	fileID       uint64
	ref          bool
}

// diffListing gathers the pages of getSnapshotDiffReportListing: modified,
// created and deleted entries, and which way the diff goes.
type diffListing struct {
	modified, created, deleted []listingEntry
	fromEarlier                bool
}

// addPage adds one answer (GetSnapshotDiffReportListingResponseProto) and
// returns the cursor to ask for the next page with, nil after the last.
func (l *diffListing) addPage(resp []byte) (next []byte, err error) {
	var rep []byte
	if err := eachField(resp, func(num protowire.Number, _ uint64, bs []byte) {
		if num == 1 {
			rep = bs
		}
	}); err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, errors.New("answer without a diff report")
	}
	var cursor []byte
	var bad error
	err = eachField(rep, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 1, 2, 3:
			e, err := parseListingEntry(bs)
			bad = errors.Join(bad, err)
			lists := [...]*[]listingEntry{&l.modified, &l.created, &l.deleted}
			*lists[num-1] = append(*lists[num-1], e)
		case 4:
			l.fromEarlier = v != 0
		case 5:
			cursor = bs
		}
	})
	if err = errors.Join(err, bad); err != nil || cursor == nil {
		return nil, err
	}
	var start []byte
	index := int32(-1)
	if err := eachField(cursor, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 1:
			start = bs
		case 2:
			index = int32(v)
		}
	}); err != nil {
		return nil, err
	}
	if len(start) == 0 && index == -1 {
		return nil, nil
	}
	return cursor, nil
}

func parseListingEntry(b []byte) (listingEntry, error) {
	var e listingEntry
	err := eachField(b, func(num protowire.Number, v uint64, bs []byte) {
		switch num {
		case 1:
			e.path = bs
		case 2:
			e.dirID = v
		case 3:
			e.ref = v != 0
		case 4:
			e.target = bs
		case 5:
			e.fileID = v
		}
	})
	return e, err
}

// childDiff is what a directory's listing entries say of its children.
type childDiff struct{ created, deleted []listingEntry }

// report turns the listing into report entries as Hadoop's
// SnapshotDiffReportGenerator does: each modified entry (in path order),
// then, for a directory, its created children that are not renames and
// its deleted children, a deleted child that was renamed being a rename
// to its path in the later snapshot.
func (l *diffListing) report() []fs.DiffEntry {
	dirs := map[uint64]*childDiff{}
	at := func(id uint64) *childDiff {
		if dirs[id] == nil {
			dirs[id] = &childDiff{}
		}
		return dirs[id]
	}
	renamed := map[uint64]listingEntry{}
	for _, c := range l.created {
		at(c.dirID).created = append(at(c.dirID).created, c)
	}
	for _, d := range l.deleted {
		at(d.dirID).deleted = append(at(d.dirID).deleted, d)
		if d.ref && d.target != nil {
			renamed[d.fileID] = d
		}
	}
	slices.SortStableFunc(l.modified, func(a, b listingEntry) int { return comparePaths(a.path, b.path) })
	created, deleted := fs.DiffCreate, fs.DiffDelete
	if !l.fromEarlier {
		created, deleted = deleted, created
	}
	var out []fs.DiffEntry
	for _, m := range l.modified {
		out = append(out, fs.DiffEntry{Type: fs.DiffModify, Path: string(m.path)})
		d := dirs[m.dirID]
		if !m.ref || d == nil {
			continue
		}
		for _, c := range d.created {
			if _, ok := renamed[c.fileID]; !ok {
				out = append(out, fs.DiffEntry{Type: created, Path: string(c.path)})
			}
		}
		for _, x := range d.deleted {
			r, ok := renamed[x.fileID]
			switch {
			case ok && l.fromEarlier:
				out = append(out, fs.DiffEntry{Type: fs.DiffRename, Path: string(r.path), Target: string(r.target)})
			case ok:
				out = append(out, fs.DiffEntry{Type: fs.DiffRename, Path: string(r.target), Target: string(r.path)})
			default:
				out = append(out, fs.DiffEntry{Type: deleted, Path: string(x.path)})
			}
		}
	}
	return out
}

// comparePaths orders paths component by component, as the generator's
// INODE_COMPARATOR does (a parent before its children).
func comparePaths(a, b []byte) int {
	as, bs := strings.Split(string(a), "/"), strings.Split(string(b), "/")
	if len(a) == 0 {
		as = nil
	}
	if len(b) == 0 {
		bs = nil
	}
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := bytes.Compare([]byte(as[i]), []byte(bs[i])); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}
