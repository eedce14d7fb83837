package messages

import "fmt"

// Work items in the compact form (compact.go). A bundle's files are
// written each as it differs from the one before.

// WorkItem fields present in the compact form after its job, index and
// kind: the paths and Attr when set, each flag when true.
const (
	workPaths = 1 << iota
	workAttr
	workStatted
	workRoot
	workTargetMissing
	workParentInJob
	workFiles // the count, then each file
	workChunk
	workAll = 1<<iota - 1
)

// A bundled file's bits: its paths follow unless they are the previous
// file's; ParentInJob is the previous file's flipped when set; its Attr
// follows always, as it differs from the previous file's.
const (
	fileNotPaths = 1 << iota // the paths are the previous file's
	fileParentInJob
	fileAll = 1<<iota - 1
)

func workBits(it *WorkItem) uint64 {
	var m uint64
	for _, f := range []struct {
		bit uint64
		on  bool
	}{{workPaths, it.Src != "" || it.Dst != ""}, {workAttr, attrBits(&it.Attr, &Attrs{}) != 0}, {workStatted, it.Statted},
		{workRoot, it.Root}, {workTargetMissing, it.TargetMissing}, {workParentInJob, it.ParentInJob},
		{workFiles, len(it.Files) > 0}, {workChunk, it.Chunk != nil}} {
		if f.on {
			m |= f.bit
		}
	}
	return m
}

func encodeWork(it *WorkItem) []byte {
	w := newWriter(compactWorkType)
	w.bytes(it.Job)
	w.varint(it.Index)
	w.word(it.Kind)
	m := workBits(it)
	w.uvarint(m)
	if m&workPaths != 0 {
		w.paths(it.Src, it.Dst, "", "")
	}
	if m&workAttr != 0 {
		w.attrs(&it.Attr, &Attrs{})
	}
	if m&workFiles != 0 {
		w.uvarint(uint64(len(it.Files)))
		prev := &BundledFile{}
		for i := range it.Files {
			w.file(&it.Files[i], prev)
			prev = &it.Files[i]
		}
	}
	if m&workChunk != 0 {
		w.chunk(it.Chunk, it.Index)
	}
	return w.b
}

func (w *writer) file(f, prev *BundledFile) {
	var m uint64
	same := f.Src == prev.Src && f.Dst == prev.Dst
	if same {
		m |= fileNotPaths
	}
	if f.ParentInJob != prev.ParentInJob {
		m |= fileParentInJob
	}
	w.uvarint(m)
	if !same {
		w.paths(f.Src, f.Dst, prev.Src, prev.Dst)
	}
	w.attrs(&f.Attr, &prev.Attr)
}

func decodeWork(data []byte, it *WorkItem) error {
	r, err := newReader(data, compactWorkType, "*messages.WorkItem")
	if err != nil {
		return err
	}
	it.V = Version
	it.Job = r.bytes()
	it.Index = r.varint()
	it.Kind = r.word()
	m := r.uvarint()
	if m&^workAll != 0 {
		r.fail("work item bits %#x", m)
	}
	if m&workPaths != 0 {
		it.Src, it.Dst = r.paths("", "")
	}
	if m&workAttr != 0 {
		it.Attr = r.attrs(&Attrs{})
	}
	it.Statted, it.Root = m&workStatted != 0, m&workRoot != 0
	it.TargetMissing, it.ParentInJob = m&workTargetMissing != 0, m&workParentInJob != 0
	if m&workFiles != 0 {
		r.bundledFiles(it)
	}
	if m&workChunk != 0 {
		it.Chunk = r.chunk(it.Index)
	}
	if err := r.done(); err != nil {
		return fmt.Errorf("decode *messages.WorkItem: %w", err)
	}
	return nil
}

func (r *reader) bundledFiles(it *WorkItem) {
	n := r.count(2)
	if n == 0 {
		r.fail("a bundle of no files")
		return
	}
	it.Files = make([]BundledFile, n)
	prev := &BundledFile{}
	for i := range it.Files {
		f := &it.Files[i]
		m := r.uvarint()
		if m&^fileAll != 0 {
			r.fail("file bits %#x", m)
		}
		f.Src, f.Dst, f.ParentInJob = prev.Src, prev.Dst, prev.ParentInJob != (m&fileParentInJob != 0)
		if m&fileNotPaths == 0 {
			f.Src, f.Dst = r.paths(prev.Src, prev.Dst)
		}
		f.Attr = r.attrs(&prev.Attr)
		if r.err != nil {
			return
		}
		prev = f
	}
}
