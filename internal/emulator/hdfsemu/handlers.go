package hdfsemu

import (
	"errors"
	"math"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/jetcp/jetcp/internal/emulator/hdfsemu/proto"
)

func getFileInfo(nn *nameNode, c caller, req *pb.GetFileInfoRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, _, _, err := nn.ns.lookupRead(c, req.GetSrc())
	var re *rpcError
	if errors.As(err, &re) && re.class == exParentNotDir {
		return &pb.GetFileInfoResponseProto{}, nil
	}
	if err != nil {
		return nil, err
	}
	if n == nil {
		return &pb.GetFileInfoResponseProto{}, nil // absent fs = not found
	}
	return &pb.GetFileInfoResponseProto{Fs: nn.status(n, "")}, nil
}

func getListing(nn *nameNode, c caller, req *pb.GetListingRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, _, name, err := nn.ns.lookupRead(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if n == nil {
		return &pb.GetListingResponseProto{}, nil // absent dirList = not found
	}
	if !n.Dir {
		return &pb.GetListingResponseProto{DirList: &pb.DirectoryListingProto{
			PartialListing:   []*pb.HdfsFileStatusProto{nn.listed(n, name, req.GetNeedLocation())},
			RemainingEntries: proto.Uint32(0),
		}}, nil
	}
	if err := c.check(n, permRead|permExec); err != nil {
		return nil, err
	}
	names := n.sortedNames()
	after := string(req.GetStartAfter())
	i := 0
	if after != "" {
		// first name > after
		lo, hi := 0, len(names)
		for lo < hi {
			m := (lo + hi) / 2
			if names[m] <= after {
				lo = m + 1
			} else {
				hi = m
			}
		}
		i = lo
	}
	end := min(i+listingPageSize, len(names))
	list := make([]*pb.HdfsFileStatusProto, 0, end-i)
	for _, nm := range names[i:end] {
		list = append(list, nn.listed(n.Children[nm], nm, req.GetNeedLocation()))
	}
	return &pb.GetListingResponseProto{DirList: &pb.DirectoryListingProto{
		PartialListing:   list,
		RemainingEntries: proto.Uint32(uint32(len(names) - end)),
	}}, nil
}

func getBlockLocations(nn *nameNode, c caller, req *pb.GetBlockLocationsRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.readable(c, req.GetSrc(), 0)
	if err != nil {
		return nil, err
	}
	if n.Dir {
		return nil, newErr(exFileNotFound, "Path is not a file: %s", req.GetSrc())
	}
	if err := c.check(n, permRead); err != nil {
		return nil, err
	}
	if n.LeaseHolder != "" {
		nn.syncBlockLengths(n) // still being written: take what the DataNode has
	}
	from, to := req.GetOffset(), req.GetOffset()+req.GetLength()
	if to < from {
		to = math.MaxUint64
	}
	return &pb.GetBlockLocationsResponseProto{Locations: nn.locatedBlocks(n, from, to)}, nil
}

// listed is a listing's entry; with needLocation a file's carries its
// blocks' locations, as HDFS's does (listLocatedStatus).
func (nn *nameNode) listed(n *inode, name string, needLocation bool) *pb.HdfsFileStatusProto {
	if !needLocation || n.Dir {
		return nn.status(n, name)
	}
	if n.LeaseHolder != "" {
		nn.syncBlockLengths(n) // still being written: take what the DataNode has
	}
	st := nn.status(n, name)
	st.Locations = nn.locatedBlocks(n, 0, math.MaxUint64)
	return st
}

// locatedBlocks are n's blocks that hold bytes in [from, to).
func (nn *nameNode) locatedBlocks(n *inode, from, to uint64) *pb.LocatedBlocksProto {
	lbs := &pb.LocatedBlocksProto{
		FileLength:          proto.Uint64(n.length()),
		UnderConstruction:   proto.Bool(n.LeaseHolder != ""),
		IsLastBlockComplete: proto.Bool(n.LeaseHolder == ""),
	}
	var off uint64
	dn := nn.c.dn.datanodeInfo()
	for i, b := range n.Blocks {
		end := off + b.NumBytes
		if end > from && off < to {
			lbs.Blocks = append(lbs.Blocks, located(b, off, dn))
		}
		if i == len(n.Blocks)-1 {
			lbs.LastBlock = located(b, off, dn)
		}
		off = end
	}
	return lbs
}

func (nn *nameNode) serverDefaults() *pb.FsServerDefaultsProto {
	return &pb.FsServerDefaultsProto{
		BlockSize:           proto.Uint64(uint64(nn.c.opts.BlockSize)),
		BytesPerChecksum:    proto.Uint32(bytesPerChecksum),
		WritePacketSize:     proto.Uint32(64 << 10),
		Replication:         proto.Uint32(defaultReplicate),
		FileBufferSize:      proto.Uint32(4096),
		EncryptDataTransfer: proto.Bool(false),
		TrashInterval:       proto.Uint64(0),
		ChecksumType:        pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(),
	}
}

func getServerDefaults(nn *nameNode, c caller, req *pb.GetServerDefaultsRequestProto) (proto.Message, error) {
	return &pb.GetServerDefaultsResponseProto{ServerDefaults: nn.serverDefaults()}, nil
}

// mkdirParents creates the missing directories of p (not p itself) like
// mkdir -p, with permission perm|u+wx; it returns the parent directory.
func (nn *nameNode) mkdirParents(c caller, p string, perm uint32) (*inode, error) {
	parts, err := splitPath(p)
	if err != nil {
		return nil, err
	}
	cur := nn.ns.Root
	for _, part := range parts[:max(len(parts)-1, 0)] {
		if !cur.Dir {
			return nil, newErr(exParentNotDir, "Parent path is not a directory: %s", cur.path())
		}
		if err := c.check(cur, permExec); err != nil {
			return nil, err
		}
		next := cur.Children[part]
		if next == nil {
			if err := c.check(cur, permWrite); err != nil {
				return nil, err
			}
			next = nn.ns.newInode(true, c.user, cur.Group, perm|0o300)
			attach(cur, part, next)
		}
		cur = next
	}
	if !cur.Dir {
		return nil, newErr(exParentNotDir, "Parent path is not a directory: %s", cur.path())
	}
	return cur, nil
}

func create(nn *nameNode, c caller, req *pb.CreateRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	src := req.GetSrc()
	n, parent, name, err := nn.ns.lookup(c, src)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, newErr(exFileAlreadyExists, "%s already exists as a directory", src)
	}
	flag := req.GetCreateFlag()
	if parent == nil {
		if !req.GetCreateParent() {
			return nil, newErr(exFileNotFound, "Parent directory doesn't exist: %s", src[:strings.LastIndex(src, "/")+1])
		}
		if parent, err = nn.mkdirParents(c, src, req.GetMasked().GetPerm()); err != nil {
			return nil, err
		}
		nn.changed()
	}
	if !parent.Dir {
		return nil, newErr(exParentNotDir, "Parent path is not a directory: %s", parent.path())
	}
	if err := c.check(parent, permWrite|permExec); err != nil {
		return nil, err
	}
	if n != nil {
		if n.Dir {
			return nil, newErr(exFileAlreadyExists, "%s already exists as a directory", src)
		}
		if n.LeaseHolder != "" && (n.LeaseHolder == req.GetClientName() || nn.leaseHolderActive(n.LeaseHolder)) {
			return nil, newErr(exAlreadyBeingCreated, "failed to create file %s for %s because %s is already the current lease holder.", src, req.GetClientName(), n.LeaseHolder)
		}
		if flag&uint32(pb.CreateFlagProto_OVERWRITE) == 0 {
			return nil, newErr(exFileAlreadyExists, "%s for client %s already exists", src, req.GetClientName())
		}
		nn.removeBlocks(collectBlocks(n, nil))
		detach(n)
	} else if flag&uint32(pb.CreateFlagProto_CREATE) == 0 {
		return nil, newErr(exFileNotFound, "File does not exist: %s", src)
	}
	f := nn.ns.newInode(false, c.user, parent.Group, req.GetMasked().GetPerm())
	f.Replication = req.GetReplication()
	if f.Replication == 0 {
		f.Replication = defaultReplicate
	}
	f.BlockSize = req.GetBlockSize()
	if f.BlockSize == 0 {
		f.BlockSize = uint64(nn.c.opts.BlockSize)
	}
	f.LeaseHolder = req.GetClientName()
	nn.leases[f.LeaseHolder] = time.Now()
	attach(parent, name, f)
	nn.changed()
	return &pb.CreateResponseProto{Fs: nn.status(f, "")}, nil
}

func appendFile(nn *nameNode, c caller, req *pb.AppendRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existingFile(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if err := c.check(n, permWrite); err != nil {
		return nil, err
	}
	if n.LeaseHolder != "" && (n.LeaseHolder == req.GetClientName() || nn.leaseHolderActive(n.LeaseHolder)) {
		return nil, newErr(exAlreadyBeingCreated, "Failed to APPEND_FILE %s for %s because %s is already the current lease holder.", req.GetSrc(), req.GetClientName(), n.LeaseHolder)
	}
	nn.syncBlockLengths(n)
	n.LeaseHolder = req.GetClientName()
	nn.leases[n.LeaseHolder] = time.Now()
	nn.changed()
	resp := &pb.AppendResponseProto{Stat: nn.status(n, "")}
	if k := len(n.Blocks); k > 0 && n.Blocks[k-1].NumBytes < n.BlockSize {
		last := n.Blocks[k-1]
		resp.Block = located(last, n.length()-last.NumBytes, nn.c.dn.datanodeInfo())
	}
	return resp, nil
}

func addBlock(nn *nameNode, c caller, req *pb.AddBlockRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existingFile(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if err := nn.checkLease(n, req.GetSrc(), req.GetClientName()); err != nil {
		return nil, err
	}
	nn.syncBlockLengths(n)
	// A repeated addBlock whose answer was lost (previous is still the
	// block before the last, and the last has no data yet) gets the same
	// block again, as the NameNode's FSDirWriteFileOp does.
	if k := len(n.Blocks); k > 0 {
		last := n.Blocks[k-1]
		prev := req.GetPrevious()
		retry := prev == nil && k == 1 || prev != nil && k > 1 && n.Blocks[k-2].ID == prev.GetBlockId()
		if _, written := nn.c.dn.store.length(last.ID); retry && !written {
			return &pb.AddBlockResponseProto{Block: located(last, n.length()-last.NumBytes, nn.c.dn.datanodeInfo())}, nil
		}
	}
	b := block{ID: nn.ns.NextBlockID, GenStamp: nn.ns.GenStamp}
	nn.ns.NextBlockID++
	off := n.length()
	n.Blocks = append(n.Blocks, b)
	nn.changed()
	return &pb.AddBlockResponseProto{Block: located(b, off, nn.c.dn.datanodeInfo())}, nil
}

func abandonBlock(nn *nameNode, c caller, req *pb.AbandonBlockRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existingFile(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if err := nn.checkLease(n, req.GetSrc(), req.GetHolder()); err != nil {
		return nil, err
	}
	id := req.GetB().GetBlockId()
	for i, b := range n.Blocks {
		if b.ID == id {
			n.Blocks = append(n.Blocks[:i], n.Blocks[i+1:]...)
			nn.c.dn.store.remove(id)
			nn.changed()
			break
		}
	}
	return &pb.AbandonBlockResponseProto{}, nil
}

func complete(nn *nameNode, c caller, req *pb.CompleteRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existingFile(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if n.LeaseHolder == "" {
		return &pb.CompleteResponseProto{Result: proto.Bool(true)}, nil // already closed
	}
	if err := nn.checkLease(n, req.GetSrc(), req.GetClientName()); err != nil {
		return nil, err
	}
	nn.syncBlockLengths(n)
	// Every block must have been written to the DataNode.
	for _, b := range n.Blocks {
		if _, ok := nn.c.dn.store.length(b.ID); !ok {
			return &pb.CompleteResponseProto{Result: proto.Bool(false)}, nil
		}
	}
	n.LeaseHolder = ""
	n.Mtime = nowMillis()
	nn.changed()
	return &pb.CompleteResponseProto{Result: proto.Bool(true)}, nil
}

func updateBlockForPipeline(nn *nameNode, c caller, req *pb.UpdateBlockForPipelineRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	id := req.GetBlock().GetBlockId()
	// The generation stamp is not bumped: the client never calls
	// updatePipeline to commit a new one.
	b := block{ID: id, GenStamp: req.GetBlock().GetGenerationStamp(), NumBytes: req.GetBlock().GetNumBytes()}
	if l, ok := nn.c.dn.store.length(id); ok {
		b.NumBytes = uint64(l)
	}
	return &pb.UpdateBlockForPipelineResponseProto{Block: located(b, 0, nn.c.dn.datanodeInfo())}, nil
}

func mkdirs(nn *nameNode, c caller, req *pb.MkdirsRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	src := req.GetSrc()
	perm := req.GetMasked().GetPerm()
	n, parent, name, err := nn.ns.lookup(c, src)
	if err != nil {
		return nil, err
	}
	if n != nil {
		if n.Dir {
			return &pb.MkdirsResponseProto{Result: proto.Bool(true)}, nil
		}
		return nil, newErr(exFileAlreadyExists, "Path is not a directory: %s", src)
	}
	if parent == nil {
		if !req.GetCreateParent() {
			return nil, newErr(exFileNotFound, "Parent directory doesn't exist: %s", src[:strings.LastIndex(src, "/")+1])
		}
		if parent, err = nn.mkdirParents(c, src, perm); err != nil {
			return nil, err
		}
		nn.changed()
	}
	if !parent.Dir {
		return nil, newErr(exParentNotDir, "Parent path is not a directory: %s", parent.path())
	}
	if err := c.check(parent, permWrite|permExec); err != nil {
		return nil, err
	}
	attach(parent, name, nn.ns.newInode(true, c.user, parent.Group, perm))
	nn.changed()
	return &pb.MkdirsResponseProto{Result: proto.Bool(true)}, nil
}

// renameCheck resolves src and dst for a rename and checks permissions.
func (nn *nameNode) renameCheck(c caller, src, dst string) (s, d, dparent *inode, dname string, err error) {
	s, sparent, _, err := nn.ns.lookup(c, src)
	if err != nil {
		return
	}
	if s == nil {
		err = newErr(exFileNotFound, "Source %s not found.", src)
		return
	}
	if sparent == nil {
		err = newErr(exIO, "Rename source %s is the root.", src)
		return
	}
	if err = c.check(sparent, permWrite|permExec); err != nil {
		return
	}
	d, dparent, dname, err = nn.ns.lookup(c, dst)
	return
}

func rename2(nn *nameNode, c caller, req *pb.Rename2RequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	src, dst := req.GetSrc(), req.GetDst()
	s, d, dparent, dname, err := nn.renameCheck(c, src, dst)
	if err != nil {
		return nil, err
	}
	if dparent == nil && dname == "" {
		return nil, newErr(exFileAlreadyExists, "rename destination cannot be the root")
	}
	if d == s {
		return nil, newErr(exFileAlreadyExists, "The source %s and destination %s are the same", src, dst)
	}
	if dparent == nil {
		return nil, newErr(exFileNotFound, "rename destination parent %s not found.", dst)
	}
	if !dparent.Dir {
		return nil, newErr(exParentNotDir, "rename destination parent %s is a file.", dparent.path())
	}
	if isAncestor(s, dparent) {
		return nil, newErr(exIO, "Rename destination %s is a directory or file under source %s", dst, src)
	}
	if err := c.check(dparent, permWrite|permExec); err != nil {
		return nil, err
	}
	var freed []uint64
	if d != nil {
		if !req.GetOverwriteDest() {
			return nil, newErr(exFileAlreadyExists, "rename destination %s already exists", dst)
		}
		if s.Dir != d.Dir {
			return nil, newErr(exIO, "Source %s and destination %s must both be directories or both be files", src, dst)
		}
		if d.Dir && len(d.Children) > 0 {
			return nil, newErr(exIO, "rename destination directory is not empty: %s", dst)
		}
		if d.LeaseHolder != "" && nn.leaseHolderActive(d.LeaseHolder) {
			return nil, newErr(exAlreadyBeingCreated, "rename destination %s is open for writing", dst)
		}
		freed = collectBlocks(d, nil)
		detach(d)
	}
	detach(s)
	attach(dparent, dname, s)
	nn.removeBlocks(freed)
	nn.changed()
	return &pb.Rename2ResponseProto{}, nil
}

// rename is the old rename: false instead of most errors, and a directory
// destination means "move into it".
func rename(nn *nameNode, c caller, req *pb.RenameRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	no := &pb.RenameResponseProto{Result: proto.Bool(false)}
	src, dst := req.GetSrc(), req.GetDst()
	s, d, dparent, dname, err := nn.renameCheck(c, src, dst)
	var re *rpcError
	if errors.As(err, &re) && re.class == exAccessControl {
		return nil, err
	}
	if err != nil || s == nil {
		return no, nil
	}
	if d != nil && d.Dir {
		dparent, dname = d, s.name
		d = d.Children[dname]
	}
	if d != nil || dparent == nil || !dparent.Dir || dname == "" || isAncestor(s, dparent) {
		return no, nil
	}
	if err := c.check(dparent, permWrite|permExec); err != nil {
		return nil, err
	}
	detach(s)
	attach(dparent, dname, s)
	nn.changed()
	return &pb.RenameResponseProto{Result: proto.Bool(true)}, nil
}

func deletePath(nn *nameNode, c caller, req *pb.DeleteRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, parent, _, err := nn.ns.lookup(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if n == nil || parent == nil { // missing, or the root
		return &pb.DeleteResponseProto{Result: proto.Bool(false)}, nil
	}
	if n.Dir && len(n.Children) > 0 && !req.GetRecursive() {
		return nil, newErr(exNotEmptyDir, "`%s is non empty': Directory is not empty", req.GetSrc())
	}
	if err := c.check(parent, permWrite|permExec); err != nil {
		return nil, err
	}
	if parent.Perm&0o1000 != 0 && !c.super && c.user != n.Owner && c.user != parent.Owner {
		return nil, newErr(exAccessControl, "Permission denied by sticky bit: user=%s, path=%q", c.user, n.path())
	}
	if d := hasSnapshots(n); d != nil {
		return nil, newErr(exSnapshot, "The directory %s cannot be deleted since %s is snapshottable and already has snapshots", n.path(), d.path())
	}
	freed := collectBlocks(n, nil)
	detach(n)
	nn.removeBlocks(freed)
	nn.changed()
	return &pb.DeleteResponseProto{Result: proto.Bool(true)}, nil
}

func checkOwner(c caller, n *inode) error {
	if c.super || c.user == n.Owner {
		return nil
	}
	return newErr(exAccessControl, "Permission denied. user=%s is not the owner of inode=%s", c.user, n.path())
}

func setPermission(nn *nameNode, c caller, req *pb.SetPermissionRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existing(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if err := checkOwner(c, n); err != nil {
		return nil, err
	}
	n.Perm = req.GetPermission().GetPerm() & 0o7777
	nn.changed()
	return &pb.SetPermissionResponseProto{}, nil
}

func setOwner(nn *nameNode, c caller, req *pb.SetOwnerRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existing(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if err := checkOwner(c, n); err != nil {
		return nil, err
	}
	user, group := req.GetUsername(), req.GetGroupname()
	if !c.super {
		if user != "" && user != n.Owner {
			return nil, newErr(exAccessControl, "User %s is not a super user (non-super user cannot change owner).", c.user)
		}
		if group != "" && !c.inGroup(group) {
			return nil, newErr(exAccessControl, "User %s does not belong to %s", c.user, group)
		}
	}
	if user != "" {
		n.Owner = user
	}
	if group != "" {
		n.Group = group
	}
	nn.changed()
	return &pb.SetOwnerResponseProto{}, nil
}

func setTimes(nn *nameNode, c caller, req *pb.SetTimesRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.permitted(c, req.GetSrc(), permWrite)
	if err != nil {
		return nil, err
	}
	// -1 (as uint64) leaves a time unchanged.
	if m := req.GetMtime(); m != math.MaxUint64 {
		n.Mtime = m
	}
	if a := req.GetAtime(); a != math.MaxUint64 {
		n.Atime = a
	}
	nn.changed()
	return &pb.SetTimesResponseProto{}, nil
}

func setReplication(nn *nameNode, c caller, req *pb.SetReplicationRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existing(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if n.Dir {
		return &pb.SetReplicationResponseProto{Result: proto.Bool(false)}, nil
	}
	if err := c.check(n, permWrite); err != nil {
		return nil, err
	}
	if r := req.GetReplication(); r < 1 || r > 512 {
		return nil, newErr(exIO, "Requested replication factor of %d is out of range [1, 512]", r)
	}
	n.Replication = req.GetReplication()
	nn.changed()
	return &pb.SetReplicationResponseProto{Result: proto.Bool(true)}, nil
}

func renewLease(nn *nameNode, c caller, req *pb.RenewLeaseRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	nn.leases[req.GetClientName()] = time.Now()
	return &pb.RenewLeaseResponseProto{}, nil
}

func getContentSummary(nn *nameNode, c caller, req *pb.GetContentSummaryRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.readable(c, req.GetPath(), 0)
	if err != nil {
		return nil, err
	}
	var length, files, dirs, space uint64
	var walk func(n *inode) error
	walk = func(n *inode) error {
		if n.Dir {
			if err := c.check(n, permRead|permExec); err != nil {
				return err
			}
			dirs++
			for _, ch := range n.Children {
				if err := walk(ch); err != nil {
					return err
				}
			}
			return nil
		}
		files++
		l := n.length()
		length += l
		space += l * uint64(n.Replication)
		return nil
	}
	if err := walk(n); err != nil {
		return nil, err
	}
	const noQuota = math.MaxUint64 // -1 on the wire
	return &pb.GetContentSummaryResponseProto{Summary: &pb.ContentSummaryProto{
		Length:         proto.Uint64(length),
		FileCount:      proto.Uint64(files),
		DirectoryCount: proto.Uint64(dirs),
		Quota:          proto.Uint64(noQuota),
		SpaceConsumed:  proto.Uint64(space),
		SpaceQuota:     proto.Uint64(noQuota),
	}}, nil
}

func getFsStats(nn *nameNode, c caller, req *pb.GetFsStatusRequestProto) (proto.Message, error) {
	used, remaining := nn.c.dn.usage()
	return &pb.GetFsStatsResponseProto{
		Capacity:              proto.Uint64(fakeCapacity),
		Used:                  proto.Uint64(used),
		Remaining:             proto.Uint64(remaining),
		UnderReplicated:       proto.Uint64(0),
		CorruptBlocks:         proto.Uint64(0),
		MissingBlocks:         proto.Uint64(0),
		MissingReplOneBlocks:  proto.Uint64(0),
		BlocksInFuture:        proto.Uint64(0),
		PendingDeletionBlocks: proto.Uint64(0),
	}, nil
}

// truncate cuts a closed file to newLength at once (real HDFS recovers a
// partial last block asynchronously and may answer false).
func truncate(nn *nameNode, c caller, req *pb.TruncateRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.existingFile(c, req.GetSrc())
	if err != nil {
		return nil, err
	}
	if err := c.check(n, permWrite); err != nil {
		return nil, err
	}
	if n.LeaseHolder != "" && nn.leaseHolderActive(n.LeaseHolder) {
		return nil, newErr(exAlreadyBeingCreated, "%s is open for writing by %s", req.GetSrc(), n.LeaseHolder)
	}
	if nn.ns.inSnapshot(n) {
		return nil, newErr(exUnsupported, "hdfs-emulator: cannot truncate %s: a snapshot holds its blocks", req.GetSrc())
	}
	nn.syncBlockLengths(n)
	want := req.GetNewLength()
	if want > n.length() {
		return nil, newErr(exIllegalArgument, "Cannot truncate to a larger file size. Current size: %d, truncate size: %d.", n.length(), want)
	}
	var off uint64
	keep := n.Blocks[:0]
	var freed []uint64
	for _, b := range n.Blocks {
		switch {
		case off >= want:
			freed = append(freed, b.ID)
		case off+b.NumBytes > want:
			if err := nn.c.dn.store.truncate(b.ID, int64(want-off)); err != nil {
				return nil, newErr(exIO, "truncate block %d: %v", b.ID, err)
			}
			b.NumBytes = want - off
			keep = append(keep, b)
		default:
			keep = append(keep, b)
		}
		off += b.NumBytes
	}
	n.Blocks = keep
	n.Mtime = nowMillis()
	nn.removeBlocks(freed)
	nn.changed()
	return &pb.TruncateResponseProto{Result: proto.Bool(true)}, nil
}

// ---- xattrs ----

var xattrNamespaces = map[pb.XAttrProto_XAttrNamespaceProto]string{
	pb.XAttrProto_USER: "user", pb.XAttrProto_TRUSTED: "trusted",
}

func xattrKey(c caller, x *pb.XAttrProto) (string, error) {
	ns, ok := xattrNamespaces[x.GetNamespace()]
	if !ok {
		return "", newErr(exUnsupported, "hdfsemu supports only the user and trusted xattr namespaces")
	}
	if ns == "trusted" && !c.super {
		return "", newErr(exAccessControl, "User doesn't have permission for xattr: trusted.%s", x.GetName())
	}
	if x.GetName() == "" {
		return "", newErr(exIllegalArgument, "XAttr name cannot be empty.")
	}
	return ns + "." + x.GetName(), nil
}

func xattrProto(key string, value []byte) *pb.XAttrProto {
	ns, name, _ := strings.Cut(key, ".")
	x := &pb.XAttrProto{Name: proto.String(name), Value: value}
	if ns == "trusted" {
		x.Namespace = pb.XAttrProto_TRUSTED.Enum()
	} else {
		x.Namespace = pb.XAttrProto_USER.Enum()
	}
	if x.Value == nil {
		x.Value = []byte{}
	}
	return x
}

func visibleXAttrs(c caller, n *inode) []string {
	var keys []string
	for k := range n.XAttrs {
		if strings.HasPrefix(k, "trusted.") && !c.super {
			continue
		}
		keys = append(keys, k)
	}
	return keys
}

func listXAttrs(nn *nameNode, c caller, req *pb.ListXAttrsRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.readable(c, req.GetSrc(), permRead)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListXAttrsResponseProto{}
	for _, k := range visibleXAttrs(c, n) {
		x := xattrProto(k, nil)
		x.Value = nil // names only
		resp.XAttrs = append(resp.XAttrs, x)
	}
	return resp, nil
}

func getXAttrs(nn *nameNode, c caller, req *pb.GetXAttrsRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.readable(c, req.GetSrc(), permRead)
	if err != nil {
		return nil, err
	}
	resp := &pb.GetXAttrsResponseProto{}
	if len(req.GetXAttrs()) == 0 {
		for _, k := range visibleXAttrs(c, n) {
			resp.XAttrs = append(resp.XAttrs, xattrProto(k, n.XAttrs[k]))
		}
		return resp, nil
	}
	for _, x := range req.GetXAttrs() {
		k, err := xattrKey(c, x)
		if err != nil {
			return nil, err
		}
		v, ok := n.XAttrs[k]
		if !ok {
			return nil, newErr(exIO, "At least one of the attributes provided was not found.")
		}
		resp.XAttrs = append(resp.XAttrs, xattrProto(k, v))
	}
	return resp, nil
}

func setXAttr(nn *nameNode, c caller, req *pb.SetXAttrRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.permitted(c, req.GetSrc(), permWrite)
	if err != nil {
		return nil, err
	}
	k, err := xattrKey(c, req.GetXAttr())
	if err != nil {
		return nil, err
	}
	flag := req.GetFlag()
	_, exists := n.XAttrs[k]
	if exists && flag&uint32(pb.XAttrSetFlagProto_XATTR_REPLACE) == 0 {
		return nil, newErr(exIO, "XAttr: %s already exists. The REPLACE flag must be specified.", k)
	}
	if !exists && flag&uint32(pb.XAttrSetFlagProto_XATTR_CREATE) == 0 {
		return nil, newErr(exIO, "XAttr: %s does not exist. The CREATE flag must be specified.", k)
	}
	if n.XAttrs == nil {
		n.XAttrs = map[string][]byte{}
	}
	n.XAttrs[k] = append([]byte{}, req.GetXAttr().GetValue()...)
	nn.changed()
	return &pb.SetXAttrResponseProto{}, nil
}

func removeXAttr(nn *nameNode, c caller, req *pb.RemoveXAttrRequestProto) (proto.Message, error) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.permitted(c, req.GetSrc(), permWrite)
	if err != nil {
		return nil, err
	}
	k, err := xattrKey(c, req.GetXAttr())
	if err != nil {
		return nil, err
	}
	if _, ok := n.XAttrs[k]; !ok {
		return nil, newErr(exIO, "No matching attributes found for remove operation")
	}
	delete(n.XAttrs, k)
	nn.changed()
	return &pb.RemoveXAttrResponseProto{}, nil
}
