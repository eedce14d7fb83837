package messages

// Attrs and Chunk in the compact form (compact.go): shared by work items
// and results.

// Attrs fields present in the compact form: those marked "differs" are
// there when they differ from the reference (the previous entry's), the
// others when they are not zero.
const (
	attrModTime     = 1 << iota // differs; nanoseconds from the reference's
	attrSize                    // not zero
	attrChangeTime              // not zero; nanoseconds from the entry's own mtime
	attrAccessTime              // not zero; nanoseconds from the entry's own mtime
	attrVersion                 // not empty
	attrMode                    // differs
	attrOwner                   // differs
	attrGroup                   // differs
	attrBlockSize               // differs
	attrReplication             // differs
	attrAll         = 1<<iota - 1
)

func attrBits(a, ref *Attrs) uint64 {
	var m uint64
	set := func(bit uint64, on bool) {
		if on {
			m |= bit
		}
	}
	set(attrModTime, !a.ModTime.Equal(ref.ModTime))
	set(attrSize, a.Size != 0)
	set(attrChangeTime, !a.ChangeTime.IsZero())
	set(attrAccessTime, !a.AccessTime.IsZero())
	set(attrVersion, a.Version != "")
	set(attrMode, a.Mode != ref.Mode)
	set(attrOwner, a.Owner != ref.Owner)
	set(attrGroup, a.Group != ref.Group)
	set(attrBlockSize, a.BlockSize != ref.BlockSize)
	set(attrReplication, a.Replication != ref.Replication)
	return m
}

// attrs writes a as it differs from ref.
func (w *writer) attrs(a, ref *Attrs) {
	m := attrBits(a, ref)
	w.uvarint(m)
	if m&attrModTime != 0 {
		w.time(a.ModTime, ref.ModTime)
	}
	if m&attrSize != 0 {
		w.varint(a.Size)
	}
	if m&attrChangeTime != 0 {
		w.time(a.ChangeTime, a.ModTime)
	}
	if m&attrAccessTime != 0 {
		w.time(a.AccessTime, a.ModTime)
	}
	if m&attrVersion != 0 {
		w.blob(a.Version)
	}
	if m&attrMode != 0 {
		w.uvarint(uint64(a.Mode))
	}
	if m&attrOwner != 0 {
		w.word(a.Owner)
	}
	if m&attrGroup != 0 {
		w.word(a.Group)
	}
	if m&attrBlockSize != 0 {
		w.varint(a.BlockSize)
	}
	if m&attrReplication != 0 {
		w.varint(int64(a.Replication))
	}
}

// attrs reads what writer.attrs wrote against the same ref.
func (r *reader) attrs(ref *Attrs) Attrs {
	m := r.uvarint()
	if m&^attrAll != 0 {
		r.fail("attribute bits %#x", m)
		return Attrs{}
	}
	a := Attrs{Mode: ref.Mode, ModTime: ref.ModTime, Owner: ref.Owner, Group: ref.Group,
		BlockSize: ref.BlockSize, Replication: ref.Replication}
	if m&attrModTime != 0 {
		a.ModTime = r.time(ref.ModTime)
	}
	if m&attrSize != 0 {
		a.Size = r.varint()
	}
	if m&attrChangeTime != 0 {
		a.ChangeTime = r.time(a.ModTime)
	}
	if m&attrAccessTime != 0 {
		a.AccessTime = r.time(a.ModTime)
	}
	if m&attrVersion != 0 {
		a.Version = r.blob()
	}
	r.attrsRest(m, &a)
	return a
}

func (r *reader) attrsRest(m uint64, a *Attrs) {
	if m&attrMode != 0 {
		v := r.uvarint()
		if v > 1<<32-1 {
			r.fail("mode %#x", v)
		}
		a.Mode = uint32(v)
	}
	if m&attrOwner != 0 {
		a.Owner = r.word()
	}
	if m&attrGroup != 0 {
		a.Group = r.word()
	}
	if m&attrBlockSize != 0 {
		a.BlockSize = r.varint()
	}
	if m&attrReplication != 0 {
		v := r.varint()
		if v != int64(int16(v)) {
			r.fail("replication %d", v)
		}
		a.Replication = int16(v)
	}
}

// chunk writes c, its file's index as the distance from index.
func (w *writer) chunk(c *Chunk, index int64) {
	w.varint(c.File - index)
	w.varint(int64(c.Seq))
	w.varint(int64(c.Count))
	w.varint(c.Offset)
	w.varint(c.Length)
	w.blob(c.Upload)
}

func (r *reader) chunk(index int64) *Chunk {
	c := &Chunk{File: index + r.varint()}
	c.Seq, c.Count = r.int(), r.int()
	c.Offset, c.Length = r.varint(), r.varint()
	c.Upload = r.blob()
	return c
}
