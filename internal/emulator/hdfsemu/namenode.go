package hdfsemu

import (
	"errors"
	"net"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

type nameNode struct {
	c     *Cluster
	ln    net.Listener
	conns connSet
	done  chan struct{}

	mu     sync.Mutex // guards ns, leases, dirty
	ns     *namespace
	leases map[string]time.Time // client name -> last renewal
	dirty  bool

	retries retryCache

	stopSaver chan struct{}
	saverDone chan struct{}
}

func newNameNode(c *Cluster, ln net.Listener, ns *namespace) *nameNode {
	return &nameNode{c: c, ln: ln, ns: ns, leases: map[string]time.Time{},
		done: make(chan struct{}), stopSaver: make(chan struct{}), saverDone: make(chan struct{})}
}

func (nn *nameNode) start() {
	go func() {
		defer close(nn.done)
		serve(nn.ln, &nn.conns, nn.handleConn)
	}()
	go nn.saver()
}

// saver writes the namespace to Options.Dir a moment after it changed.
func (nn *nameNode) saver() {
	defer close(nn.saverDone)
	if nn.ns.file == "" {
		return
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			nn.flush()
		case <-nn.stopSaver:
			return
		}
	}
}

func (nn *nameNode) flush() error {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	if !nn.dirty {
		return nil
	}
	nn.dirty = false
	return nn.ns.save()
}

func (nn *nameNode) close() error {
	err := nn.ln.Close()
	<-nn.done
	nn.conns.closeAll()
	close(nn.stopSaver)
	<-nn.saverDone
	return errors.Join(err, nn.flush())
}

// changed marks the namespace for saving; callers hold nn.mu.
func (nn *nameNode) changed() { nn.dirty = true }

var handlers = map[string]handler{
	"getFileInfo":                  method(getFileInfo),
	"getListing":                   method(getListing),
	"getBlockLocations":            method(getBlockLocations),
	"getServerDefaults":            method(getServerDefaults),
	"create":                       method(create),
	"append":                       method(appendFile),
	"addBlock":                     method(addBlock),
	"abandonBlock":                 method(abandonBlock),
	"complete":                     method(complete),
	"updateBlockForPipeline":       method(updateBlockForPipeline),
	"mkdirs":                       method(mkdirs),
	"rename":                       method(rename),
	"rename2":                      method(rename2),
	"delete":                       method(deletePath),
	"setPermission":                method(setPermission),
	"setOwner":                     method(setOwner),
	"setTimes":                     method(setTimes),
	"setReplication":               method(setReplication),
	"renewLease":                   method(renewLease),
	"getContentSummary":            method(getContentSummary),
	"getFsStats":                   method(getFsStats),
	"truncate":                     method(truncate),
	"listXAttrs":                   method(listXAttrs),
	"getXAttrs":                    method(getXAttrs),
	"allowSnapshot":                method(allowSnapshot),
	"disallowSnapshot":             method(disallowSnapshot),
	"createSnapshot":               method(createSnapshot),
	"deleteSnapshot":               method(deleteSnapshot),
	"getSnapshotDiffReportListing": method(getSnapshotDiffReportListing),
	"setXAttr":                     method(setXAttr),
	"removeXAttr":                  method(removeXAttr),
}

// ---- conversions ----

func (nn *nameNode) status(n *inode, name string) *pb.HdfsFileStatusProto {
	st := &pb.HdfsFileStatusProto{
		Path:             []byte(name),
		Permission:       &pb.FsPermissionProto{Perm: proto.Uint32(n.Perm)},
		Owner:            proto.String(n.Owner),
		Group:            proto.String(n.Group),
		ModificationTime: proto.Uint64(n.Mtime),
		AccessTime:       proto.Uint64(n.Atime),
		FileId:           proto.Uint64(n.ID),
		StoragePolicy:    proto.Uint32(0),
		Flags:            proto.Uint32(0),
	}
	if n.Dir {
		st.FileType = pb.HdfsFileStatusProto_IS_DIR.Enum()
		st.Length = proto.Uint64(0)
		st.BlockReplication = proto.Uint32(0)
		st.Blocksize = proto.Uint64(0)
		st.ChildrenNum = proto.Int32(int32(len(n.Children)))
	} else {
		st.FileType = pb.HdfsFileStatusProto_IS_FILE.Enum()
		st.Length = proto.Uint64(n.length())
		st.BlockReplication = proto.Uint32(n.Replication)
		st.Blocksize = proto.Uint64(n.BlockSize)
		st.ChildrenNum = proto.Int32(0)
	}
	return st
}

func emptyToken() *pb.TokenProto {
	return &pb.TokenProto{Identifier: []byte{}, Password: []byte{}, Kind: proto.String(""), Service: proto.String("")}
}

func extBlock(b block) *pb.ExtendedBlockProto {
	return &pb.ExtendedBlockProto{
		PoolId:          proto.String(blockPoolID),
		BlockId:         proto.Uint64(b.ID),
		GenerationStamp: proto.Uint64(b.GenStamp),
		NumBytes:        proto.Uint64(b.NumBytes),
	}
}

// located places block b at off on the DataNode dn describes (built once
// per answer: describing it sums the store's usage).
func located(b block, off uint64, dn *pb.DatanodeInfoProto) *pb.LocatedBlockProto {
	return &pb.LocatedBlockProto{
		B:            extBlock(b),
		Offset:       proto.Uint64(off),
		Locs:         []*pb.DatanodeInfoProto{dn},
		Corrupt:      proto.Bool(false),
		BlockToken:   emptyToken(),
		IsCached:     []bool{false},
		StorageTypes: []pb.StorageTypeProto{pb.StorageTypeProto_DISK},
		StorageIDs:   []string{storageID},
	}
}

// ---- lookups with errors ----

func (nn *nameNode) existing(c caller, p string) (*inode, error) {
	n, _, _, err := nn.ns.lookup(c, p)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, newErr(exFileNotFound, "File does not exist: %s", p)
	}
	return n, nil
}

// permitted is existing plus the caller's permission check on the inode.
func (nn *nameNode) permitted(c caller, p string, want uint32) (*inode, error) {
	n, err := nn.existing(c, p)
	if err != nil {
		return nil, err
	}
	if err := c.check(n, want); err != nil {
		return nil, err
	}
	return n, nil
}

// readable is existing for calls that only read: p may be inside a
// snapshot.
func (nn *nameNode) readable(c caller, p string, want uint32) (*inode, error) {
	n, _, _, err := nn.ns.lookupRead(c, p)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, newErr(exFileNotFound, "File does not exist: %s", p)
	}
	if err := c.check(n, want); err != nil {
		return nil, err
	}
	return n, nil
}

func (nn *nameNode) existingFile(c caller, p string) (*inode, error) {
	n, err := nn.existing(c, p)
	if err != nil {
		return nil, err
	}
	if n.Dir {
		return nil, newErr(exFileNotFound, "Path is not a file: %s", p)
	}
	return n, nil
}

// leaseHolderActive reports whether holder still renews its lease.
func (nn *nameNode) leaseHolderActive(holder string) bool {
	t, ok := nn.leases[holder]
	return ok && time.Since(t) < leaseSoftLimit
}

// underConstruction checks that file n is being written by client.
func (nn *nameNode) checkLease(n *inode, p, client string) error {
	if n.LeaseHolder == "" {
		return newErr(exLeaseExpired, "No lease on %s: File is not open for writing.", p)
	}
	if n.LeaseHolder != client {
		return newErr(exLeaseExpired, "Client (=%s) is not the lease owner (=%s) of %s", client, n.LeaseHolder, p)
	}
	nn.leases[client] = time.Now()
	return nil
}

// syncBlockLengths takes the lengths of a file's blocks from the DataNode.
func (nn *nameNode) syncBlockLengths(n *inode) {
	for i := range n.Blocks {
		if l, ok := nn.c.dn.store.length(n.Blocks[i].ID); ok {
			n.Blocks[i].NumBytes = uint64(l)
		}
	}
}

func (nn *nameNode) removeBlocks(ids []uint64) {
	for _, id := range ids {
		if nn.ns.snapRefs[id] > 0 { // a snapshot still reads it
			nn.ns.Orphans[id] = true
			continue
		}
		nn.c.dn.store.remove(id)
	}
}
