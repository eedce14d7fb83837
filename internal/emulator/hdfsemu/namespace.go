package hdfsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	rootInodeID      = 16385      // as in HDFS
	firstBlockID     = 1073741825 // as in HDFS
	firstGenStamp    = 1001
	defaultGroup     = "supergroup"
	leaseSoftLimit   = 60 * time.Second
	namespaceFile    = "namespace.json"
	defaultReplicate = 1
)

// block is a block of a file as the NameNode knows it.
type block struct {
	ID       uint64 `json:"id"`
	GenStamp uint64 `json:"gen"`
	NumBytes uint64 `json:"len"`
}

// inode is a file or directory. The exported fields are what is saved under
// Options.Dir.
type inode struct {
	ID          uint64            `json:"id"`
	Dir         bool              `json:"dir,omitempty"`
	Owner       string            `json:"owner"`
	Group       string            `json:"group"`
	Perm        uint32            `json:"perm"`
	Mtime       uint64            `json:"mtime"` // ms since epoch
	Atime       uint64            `json:"atime"`
	Replication uint32            `json:"repl,omitempty"`
	BlockSize   uint64            `json:"bs,omitempty"`
	Blocks      []block           `json:"blocks,omitempty"`
	XAttrs      map[string][]byte `json:"xattrs,omitempty"` // "user.name" -> value
	Children    map[string]*inode `json:"children,omitempty"`
	// Under construction: the client holding the lease.
	LeaseHolder string `json:"lease,omitempty"`
	// Snapshottable directories (allowSnapshot) keep their snapshots here.
	Snapshottable bool                 `json:"snapshottable,omitempty"`
	Snapshots     map[string]*snapshot `json:"snapshots,omitempty"`

	name   string
	parent *inode
}

func (n *inode) length() uint64 {
	var l uint64
	for _, b := range n.Blocks {
		l += b.NumBytes
	}
	return l
}

func (n *inode) path() string {
	if n.parent == nil {
		return "/"
	}
	var parts []string
	for p := n; p.parent != nil; p = p.parent {
		parts = append(parts, p.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

func (n *inode) sortedNames() []string {
	names := make([]string, 0, len(n.Children))
	for k := range n.Children {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// namespace is the NameNode's state. It is guarded by nameNode.mu.
type namespace struct {
	Root        *inode `json:"root"`
	NextInodeID uint64 `json:"nextInode"`
	NextBlockID uint64 `json:"nextBlock"`
	GenStamp    uint64 `json:"genStamp"`
	// NextSnapshot orders snapshots by creation; Orphans are blocks gone
	// from the live tree that a snapshot still reads.
	NextSnapshot uint64          `json:"nextSnapshot,omitempty"`
	Orphans      map[uint64]bool `json:"orphans,omitempty"`

	file     string         // "" = not persisted
	snapRefs map[uint64]int // block id -> snapshots holding it (derived)
}

func nowMillis() uint64 { return uint64(time.Now().UnixMilli()) }

func loadNamespace(o Options) (*namespace, error) {
	ns := &namespace{}
	if o.Dir != "" {
		ns.file = filepath.Join(o.Dir, namespaceFile)
		b, err := os.ReadFile(ns.file)
		if err == nil {
			if err := json.Unmarshal(b, ns); err != nil {
				return nil, fmt.Errorf("hdfsemu: %s: %w", ns.file, err)
			}
			if ns.Root == nil || !ns.Root.Dir {
				return nil, fmt.Errorf("hdfsemu: %s: no root directory", ns.file)
			}
			link(ns.Root)
			ns.indexSnapshots()
			return ns, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("hdfsemu: %w", err)
		}
	}
	now := nowMillis()
	ns.Root = &inode{ID: rootInodeID, Dir: true, Owner: o.Superuser, Group: defaultGroup,
		Perm: 0o755, Mtime: now, Atime: 0, Children: map[string]*inode{}}
	ns.NextInodeID = rootInodeID + 1
	ns.NextBlockID = firstBlockID
	ns.GenStamp = firstGenStamp
	ns.indexSnapshots()
	return ns, nil
}

// link restores the name and parent pointers after loading.
func link(n *inode) {
	if n.Dir && n.Children == nil {
		n.Children = map[string]*inode{}
	}
	for name, ch := range n.Children {
		ch.name, ch.parent = name, n
		link(ch)
	}
	for _, s := range n.Snapshots {
		s.Root.name = n.name
		link(s.Root)
	}
}

func (ns *namespace) save() error {
	if ns.file == "" {
		return nil
	}
	b, err := json.Marshal(ns)
	if err != nil {
		return err
	}
	tmp := ns.file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, ns.file)
}

// ---- paths ----

// splitPath checks that p is absolute and returns its components.
func splitPath(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, newErr(exInvalidPath, "Invalid path name %s", p)
	}
	c := path.Clean(p)
	if c == "/" {
		return nil, nil
	}
	parts := strings.Split(c[1:], "/")
	for _, s := range parts {
		if s == "." || s == ".." || strings.Contains(s, ":") {
			return nil, newErr(exInvalidPath, "Invalid path name %s", p)
		}
	}
	return parts, nil
}

// ---- permissions ----

const (
	permRead  = 4
	permWrite = 2
	permExec  = 1
)

var accessNames = map[uint32]string{
	permRead: "READ", permWrite: "WRITE", permExec: "EXECUTE",
	permRead | permExec: "READ_EXECUTE", permWrite | permExec: "WRITE_EXECUTE",
	permRead | permWrite: "READ_WRITE", 7: "ALL",
}

func modeString(n *inode) string {
	const rwx = "rwxrwxrwx"
	b := []byte("-")
	if n.Dir {
		b[0] = 'd'
	}
	for i := 0; i < 9; i++ {
		if n.Perm&(1<<uint(8-i)) != 0 {
			b = append(b, rwx[i])
		} else {
			b = append(b, '-')
		}
	}
	if n.Perm&0o1000 != 0 {
		if n.Perm&1 != 0 {
			b[9] = 't'
		} else {
			b[9] = 'T'
		}
	}
	return string(b)
}

// caller is the user of an RPC connection.
type caller struct {
	user  string
	super bool
}

// groups of a non-super user: the emulator has no group mapping, so a user is
// only in the group named like itself.
func (c caller) inGroup(g string) bool { return c.super || g == c.user }

func (c caller) check(n *inode, access uint32) error {
	if c.super {
		return nil
	}
	var bits uint32
	switch {
	case n.Owner == c.user:
		bits = (n.Perm >> 6) & 7
	case c.inGroup(n.Group):
		bits = (n.Perm >> 3) & 7
	default:
		bits = n.Perm & 7
	}
	if bits&access == access {
		return nil
	}
	return newErr(exAccessControl, "Permission denied: user=%s, access=%s, inode=%q:%s:%s:%s",
		c.user, accessNames[access], n.path(), n.Owner, n.Group, modeString(n))
}

// lookup resolves p for c, checking EXECUTE on every ancestor directory. It
// returns the inode (nil if absent), its parent (nil if the parent is absent
// too) and the last path component.
func (ns *namespace) lookup(c caller, p string) (n, parent *inode, name string, err error) {
	return ns.resolve(c, p, false)
}

// lookupRead is lookup for calls that only read: they may also read
// inside a snapshot (DIR/.snapshot/NAME/...), which lookup refuses.
func (ns *namespace) lookupRead(c caller, p string) (n, parent *inode, name string, err error) {
	return ns.resolve(c, p, true)
}

func (ns *namespace) resolve(c caller, p string, read bool) (n, parent *inode, name string, err error) {
	parts, err := splitPath(p)
	if err != nil {
		return nil, nil, "", err
	}
	if len(parts) == 0 {
		return ns.Root, nil, "", nil
	}
	cur := ns.Root
	for i, part := range parts {
		if !cur.Dir {
			return nil, nil, "", newErr(exParentNotDir, "Path is not a directory: %s", cur.path())
		}
		if err := c.check(cur, permExec); err != nil {
			return nil, nil, "", err
		}
		next := cur.Children[part]
		if part == snapshotDirName && cur.Snapshottable {
			if !read {
				return nil, nil, "", newErr(exSnapshotAccess, "Modification on a read-only snapshot is disallowed: %s", p)
			}
			next = cur.snapshotDir()
		}
		if i == len(parts)-1 {
			return next, cur, part, nil
		}
		if next == nil {
			return nil, nil, parts[len(parts)-1], nil
		}
		cur = next
	}
	panic("unreachable")
}

func (ns *namespace) newInode(dir bool, owner, group string, perm uint32) *inode {
	now := nowMillis()
	n := &inode{ID: ns.NextInodeID, Dir: dir, Owner: owner, Group: group, Perm: perm & 0o7777, Mtime: now, Atime: now}
	ns.NextInodeID++
	if dir {
		n.Children = map[string]*inode{}
		n.Atime = 0
	}
	return n
}

func attach(parent *inode, name string, n *inode) {
	n.name, n.parent = name, parent
	parent.Children[name] = n
	parent.Mtime = nowMillis()
}

func detach(n *inode) {
	delete(n.parent.Children, n.name)
	n.parent.Mtime = nowMillis()
	n.parent = nil
}

// collectBlocks appends the block ids of the subtree at n.
func collectBlocks(n *inode, ids []uint64) []uint64 {
	for _, b := range n.Blocks {
		ids = append(ids, b.ID)
	}
	for _, ch := range n.Children {
		ids = collectBlocks(ch, ids)
	}
	return ids
}

func isAncestor(a, n *inode) bool {
	for p := n; p != nil; p = p.parent {
		if p == a {
			return true
		}
	}
	return false
}
