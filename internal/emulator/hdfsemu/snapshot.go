package hdfsemu

import (
	"fmt"
	"path"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

// Snapshots, as a NameNode has them (allowSnapshot, createSnapshot,
// deleteSnapshot, reads under DIR/.snapshot/NAME/, and the paged
// getSnapshotDiffReportListing).
//
// A snapshot here is a deep copy of the directory's subtree taken when it
// is made: the same inode ids, names, attributes and block lists. HDFS
// keeps copy-on-write diffs instead; a copy is simpler and the clients see
// the same thing. Blocks are shared with the live tree: a block a snapshot
// holds outlives the deletion of its file (an orphan) until the last
// snapshot holding it is deleted. Truncating a file whose blocks a
// snapshot holds is refused (HDFS copies the block; the emulator does not).

const (
	snapshotDirName = ".snapshot"
	// diffPageSize is dfs.snapshotdiff-report.limit's default: entries per
	// getSnapshotDiffReportListing answer.
	diffPageSize = 1000
)

// snapshot is one snapshot of a snapshottable directory.
type snapshot struct {
	Root *inode `json:"root"`
	Seq  uint64 `json:"seq"` // creation order
	Time uint64 `json:"time"`
}

// indexSnapshots counts, after loading, the blocks snapshots hold.
func (ns *namespace) indexSnapshots() {
	ns.snapRefs = map[uint64]int{}
	if ns.Orphans == nil {
		ns.Orphans = map[uint64]bool{}
	}
	var walk func(n *inode)
	walk = func(n *inode) {
		for _, s := range n.Snapshots {
			ns.refBlocks(s.Root, 1)
		}
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(ns.Root)
}

// refBlocks adds d to the snapshot count of every block under n; a block
// no snapshot holds any more that the live tree dropped is freed.
func (ns *namespace) refBlocks(n *inode, d int) []uint64 {
	var freed []uint64
	for _, id := range collectBlocks(n, nil) {
		ns.snapRefs[id] += d
		if ns.snapRefs[id] <= 0 {
			delete(ns.snapRefs, id)
			if ns.Orphans[id] {
				delete(ns.Orphans, id)
				freed = append(freed, id)
			}
		}
	}
	return freed
}

// inSnapshot reports whether a snapshot holds one of file n's blocks.
func (ns *namespace) inSnapshot(n *inode) bool {
	for _, b := range n.Blocks {
		if ns.snapRefs[b.ID] > 0 {
			return true
		}
	}
	return false
}

// hasSnapshots returns a directory under (or at) n that has snapshots.
func hasSnapshots(n *inode) *inode {
	if len(n.Snapshots) > 0 {
		return n
	}
	for _, ch := range n.Children {
		if d := hasSnapshots(ch); d != nil {
			return d
		}
	}
	return nil
}

// snapshotDir is DIR/.snapshot: a read-only directory whose children are
// the snapshots.
func (n *inode) snapshotDir() *inode {
	d := &inode{ID: n.ID, Dir: true, Owner: n.Owner, Group: n.Group, Perm: 0o555,
		Mtime: n.Mtime, Children: map[string]*inode{}, name: snapshotDirName}
	for name, s := range n.Snapshots {
		d.Children[name] = s.Root
	}
	return d
}

// frozenCopy deep-copies the subtree at n.
func frozenCopy(n *inode) *inode {
	c := *n
	c.parent, c.LeaseHolder = nil, ""
	c.Snapshottable, c.Snapshots = false, nil
	c.Blocks = append([]block(nil), n.Blocks...)
	if n.XAttrs != nil {
		c.XAttrs = make(map[string][]byte, len(n.XAttrs))
		for k, v := range n.XAttrs {
			c.XAttrs[k] = append([]byte(nil), v...)
		}
	}
	if n.Dir {
		c.Children = make(map[string]*inode, len(n.Children))
		for name, ch := range n.Children {
			cc := frozenCopy(ch)
			cc.name, cc.parent = name, &c
			c.Children[name] = cc
		}
	}
	return &c
}

// snapshotRoot resolves a snapshot root for c: an existing directory.
func (nn *nameNode) snapshotRoot(c caller, p string) (*inode, error) {
	n, err := nn.existing(c, p)
	if err != nil {
		return nil, err
	}
	if !n.Dir {
		return nil, newErr(exSnapshot, "Path is not a directory: %s", p)
	}
	return n, nil
}

// superRoot is snapshotRoot for the superuser's calls (dfsadmin's).
func (nn *nameNode) superRoot(c caller, p string) (*inode, error) {
	if !c.super {
		return nil, newErr(exAccessControl, "Access denied for user %s. Superuser privilege is required", c.user)
	}
	return nn.snapshotRoot(c, p)
}

func allowSnapshot(nn *nameNode, c caller, req *pb.AllowSnapshotRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.superRoot(c, req.GetSnapshotRoot())
	if err != nil {
		return nil, err
	}
	n.Snapshottable = true
	nn.changed()
	return &pb.AllowSnapshotResponseProto{}, nil
}

func disallowSnapshot(nn *nameNode, c caller, req *pb.DisallowSnapshotRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.superRoot(c, req.GetSnapshotRoot())
	if err != nil {
		return nil, err
	}
	if len(n.Snapshots) > 0 {
		return nil, newErr(exSnapshot, "The directory %s has snapshot(s). Please redo the operation after removing all the snapshots.", n.path())
	}
	n.Snapshottable = false
	nn.changed()
	return &pb.DisallowSnapshotResponseProto{}, nil
}

// ownedSnapshottable is the snapshottable directory at p, if c owns it.
func (nn *nameNode) ownedSnapshottable(c caller, p string) (*inode, error) {
	n, err := nn.snapshotRoot(c, p)
	if err != nil {
		return nil, err
	}
	if !n.Snapshottable {
		return nil, newErr(exSnapshot, "Directory is not a snapshottable directory: %s", n.path())
	}
	if err := checkOwner(c, n); err != nil {
		return nil, err
	}
	return n, nil
}

func createSnapshot(nn *nameNode, c caller, req *pb.CreateSnapshotRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.ownedSnapshottable(c, req.GetSnapshotRoot())
	if err != nil {
		return nil, err
	}
	name := req.GetSnapshotName()
	if name == "" {
		name = "s" + time.Now().UTC().Format("20060102-150405.000")
	}
	if name == snapshotDirName || path.Base(name) != name || name == "." || name == ".." {
		return nil, newErr(exIllegalArgument, "Invalid snapshot name: %s", name)
	}
	if _, ok := n.Snapshots[name]; ok {
		return nil, newErr(exSnapshot, "Failed to create snapshot: there is already a snapshot with the same name \"%s\".", name)
	}
	if n.Snapshots == nil {
		n.Snapshots = map[string]*snapshot{}
	}
	root := frozenCopy(n)
	root.name = n.name
	root.Mtime = nowMillis() // a snapshot's root shows when it was made, as in HDFS
	nn.ns.NextSnapshot++
	n.Snapshots[name] = &snapshot{Root: root, Seq: nn.ns.NextSnapshot, Time: root.Mtime}
	nn.ns.refBlocks(root, 1)
	nn.changed()
	return &pb.CreateSnapshotResponseProto{SnapshotPath: proto.String(path.Join(n.path(), snapshotDirName, name))}, nil
}

func deleteSnapshot(nn *nameNode, c caller, req *pb.DeleteSnapshotRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.ownedSnapshottable(c, req.GetSnapshotRoot())
	if err != nil {
		return nil, err
	}
	s, ok := n.Snapshots[req.GetSnapshotName()]
	if !ok {
		return nil, newErr(exSnapshot, "Cannot delete snapshot %s from path %s: the snapshot does not exist.", req.GetSnapshotName(), n.path())
	}
	delete(n.Snapshots, req.GetSnapshotName())
	for _, id := range nn.ns.refBlocks(s.Root, -1) {
		nn.c.dn.store.remove(id)
	}
	nn.changed()
	return &pb.DeleteSnapshotResponseProto{}, nil
}

// view is one side of a diff: a snapshot ("" = the live tree) and where
// each inode is in it.
type view struct {
	root  *inode
	seq   uint64 // creation order; the live tree is newest
	byID  map[uint64]*inode
	where map[uint64]string // inode id -> path relative to the root
}

func (n *inode) view(name string) (*view, error) {
	v := &view{root: n, seq: ^uint64(0)}
	if name != "" {
		s, ok := n.Snapshots[name]
		if !ok {
			return nil, newErr(exSnapshot, "Cannot find the snapshot of directory %s with name %s", n.path(), name)
		}
		v.root, v.seq = s.Root, s.Seq
	}
	v.byID, v.where = map[uint64]*inode{}, map[uint64]string{}
	var walk func(n *inode, rel string)
	walk = func(n *inode, rel string) {
		v.byID[n.ID], v.where[n.ID] = n, rel
		for name, ch := range n.Children {
			walk(ch, joinRel(rel, name))
		}
	}
	walk(v.root, "")
	return v, nil
}

func joinRel(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

// diffEntry is a listing entry with the list it goes to.
type diffEntry struct {
	list int // 0 modified, 1 created, 2 deleted
	e    *pb.SnapshotDiffReportListingEntryProto
}

// diffListing computes the entries of the diff from the earlier view a to
// the later view b, as the NameNode lists them: paths in a's names; a
// directory whose children changed is a modified entry (isReference true)
// with its created and deleted children (dirId its inode id); a child
// moved or renamed is deleted and created with isReference true, the
// deletion carrying its path in b; a changed file is a modified entry.
// Children of created or deleted directories are not listed.
func diffListing(a, b *view) []diffEntry {
	var out []diffEntry
	var walk func(d1 *inode, rel string)
	walk = func(d1 *inode, rel string) {
		d2 := b.byID[d1.ID]
		if d2 == nil || !d2.Dir {
			return
		}
		children := childDiff(a, b, d1, d2, rel)
		if len(children) > 0 || attrsChanged(d1, d2) {
			out = append(out, diffEntry{0, listingEntry(rel, d1.ID, d1.ID, true, nil)})
		}
		out = append(out, children...)
		for _, name := range d1.sortedNames() {
			c1 := d1.Children[name]
			c2 := b.byID[c1.ID]
			switch {
			case c2 == nil:
			case c1.Dir && c2.Dir:
				walk(c1, joinRel(rel, name))
			case !c1.Dir && !c2.Dir && fileChanged(c1, c2):
				out = append(out, diffEntry{0, listingEntry(joinRel(rel, name), d1.ID, c1.ID, false, nil)})
			}
		}
	}
	walk(a.root, "")
	return out
}

// childDiff lists the children of directory d1 (in a) created and deleted
// by d2 (the same directory in b).
func childDiff(a, b *view, d1, d2 *inode, rel string) []diffEntry {
	var out []diffEntry
	for _, name := range d2.sortedNames() {
		c2 := d2.Children[name]
		if c1 := d1.Children[name]; c1 == nil || c1.ID != c2.ID {
			_, moved := a.byID[c2.ID]
			out = append(out, diffEntry{1, listingEntry(joinRel(rel, name), d1.ID, c2.ID, moved, nil)})
		}
	}
	for _, name := range d1.sortedNames() {
		c1 := d1.Children[name]
		if c2 := d2.Children[name]; c2 == nil || c2.ID != c1.ID {
			to, moved := b.where[c1.ID]
			var target []byte
			if moved {
				target = []byte(to)
			}
			out = append(out, diffEntry{2, listingEntry(joinRel(rel, name), d1.ID, c1.ID, moved, target)})
		}
	}
	return out
}

func listingEntry(p string, dirID, fileID uint64, ref bool, target []byte) *pb.SnapshotDiffReportListingEntryProto {
	return &pb.SnapshotDiffReportListingEntryProto{Fullpath: []byte(p), DirId: proto.Uint64(dirID),
		IsReference: proto.Bool(ref), TargetPath: target, FileId: proto.Uint64(fileID)}
}

func attrsChanged(x, y *inode) bool {
	return x.Perm != y.Perm || x.Owner != y.Owner || x.Group != y.Group || len(x.XAttrs) != len(y.XAttrs)
}

func fileChanged(x, y *inode) bool {
	if attrsChanged(x, y) || x.Mtime != y.Mtime || x.Replication != y.Replication || len(x.Blocks) != len(y.Blocks) {
		return true
	}
	for i := range x.Blocks {
		if x.Blocks[i] != y.Blocks[i] {
			return true
		}
	}
	return false
}

// getSnapshotDiffReportListing answers a page of diffPageSize entries; the
// cursor's index is the offset of the next page in the whole listing, and
// an empty startPath with index -1 ends it.
func getSnapshotDiffReportListing(nn *nameNode, c caller, req *pb.GetSnapshotDiffReportListingRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.snapshotRoot(c, req.GetSnapshotRoot())
	if err != nil {
		return nil, err
	}
	if !n.Snapshottable {
		return nil, newErr(exSnapshot, "Directory is not a snapshottable directory: %s", n.path())
	}
	if err := c.check(n, permRead|permExec); err != nil {
		return nil, err
	}
	from, err := n.view(req.GetFromSnapshot())
	if err != nil {
		return nil, err
	}
	to, err := n.view(req.GetToSnapshot())
	if err != nil {
		return nil, err
	}
	earlier := from.seq <= to.seq
	if !earlier {
		from, to = to, from
	}
	all := diffListing(from, to)
	start := 0
	if cur := req.GetCursor(); cur != nil && cur.GetIndex() > 0 {
		start = min(int(cur.GetIndex()), len(all))
	}
	end := min(start+diffPageSize, len(all))
	rep := &pb.SnapshotDiffReportListingProto{IsFromEarlier: proto.Bool(earlier),
		Cursor: &pb.SnapshotDiffReportCursorProto{StartPath: []byte{}, Index: proto.Int32(-1)}}
	if end < len(all) {
		rep.Cursor = &pb.SnapshotDiffReportCursorProto{StartPath: []byte(n.path()), Index: proto.Int32(int32(end))}
	}
	for _, d := range all[start:end] {
		switch d.list {
		case 0:
			rep.ModifiedEntries = append(rep.ModifiedEntries, d.e)
		case 1:
			rep.CreatedEntries = append(rep.CreatedEntries, d.e)
		default:
			rep.DeletedEntries = append(rep.DeletedEntries, d.e)
		}
	}
	return &pb.GetSnapshotDiffReportListingResponseProto{DiffReport: rep}, nil
}

// Snapshot makes a snapshot named name of directory dir, allowing
// snapshots on dir first if needed, as `hdfs dfsadmin -allowSnapshot` and
// `hdfs dfs -createSnapshot` would.
func (c *Cluster) Snapshot(dir, name string) error {
	su := caller{user: c.opts.Superuser, super: true}
	if _, err := allowSnapshot(c.nn, su, &pb.AllowSnapshotRequestProto{SnapshotRoot: proto.String(dir)}); err != nil {
		return fmt.Errorf("hdfsemu: allow snapshots on %s: %w", dir, err)
	}
	if _, err := createSnapshot(c.nn, su, &pb.CreateSnapshotRequestProto{SnapshotRoot: proto.String(dir), SnapshotName: proto.String(name)}); err != nil {
		return fmt.Errorf("hdfsemu: create snapshot %s of %s: %w", name, dir, err)
	}
	return nil
}

// DeleteSnapshot deletes snapshot name of directory dir.
func (c *Cluster) DeleteSnapshot(dir, name string) error {
	su := caller{user: c.opts.Superuser, super: true}
	if _, err := deleteSnapshot(c.nn, su, &pb.DeleteSnapshotRequestProto{SnapshotRoot: proto.String(dir), SnapshotName: proto.String(name)}); err != nil {
		return fmt.Errorf("hdfsemu: delete snapshot %s of %s: %w", name, dir, err)
	}
	return nil
}
