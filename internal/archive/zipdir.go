package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// A zip's index, its central directory, is at its end: Go's archive/zip
// reads it whole, a File a record, before a member can be read (a
// directory of a million records is 265 MiB). The directory is walked
// here first, records counted and their bytes summed without keeping
// any, and past maxRecords or maxDirBytes Go is shown only the records
// that fit: the rest are reported, never parsed.
var (
	maxRecords  = 65535
	maxDirBytes = int64(16 << 20)
)

const (
	eocdLen      = 22
	dirHeaderLen = 46
)

// zipDir is what a zip's end of central directory says, checked.
type zipDir struct {
	eocd       int64 // where the end record is
	start      int64 // where the directory starts in the file
	records    int   // records walked (up to maxRecords+1)
	bytes      int64 // bytes those records take
	cut        bool  // the walk stopped at a cap
	zip64      bool
	prefixed   bool   // bytes before the zip (an installer, a script)
	dirOffset  uint64 // as the end record says, from the zip's start
	listedRecs uint64 // as the end record says
}

// FindZip says whether the size bytes at ra end as a zip does, with a
// central directory where its end record says, whatever is in front of
// it (a self-extracting installer, a script with a zip appended).
func FindZip(ra io.ReaderAt, size int64) bool {
	_, err := readZipDir(ra, size)
	return err == nil
}

// readZipDir finds the end of central directory record in the last 64 KiB
// (the most a comment can push it back) and walks the directory.
func readZipDir(ra io.ReaderAt, size int64) (*zipDir, error) {
	n := min(size, 65535+eocdLen)
	if n < eocdLen {
		return nil, fmt.Errorf("too short to be a zip")
	}
	tail := make([]byte, n)
	if _, err := ra.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return nil, err
	}
	p := -1
	for i := len(tail) - eocdLen; i >= 0; i-- {
		if tail[i] == 'P' && string(tail[i:i+4]) == "PK\x05\x06" &&
			i+eocdLen+int(binary.LittleEndian.Uint16(tail[i+20:])) <= len(tail) {
			p = i
			break
		}
	}
	if p < 0 {
		return nil, fmt.Errorf("no end of central directory record")
	}
	e := tail[p:]
	d := &zipDir{eocd: size - n + int64(p)}
	d.listedRecs = uint64(binary.LittleEndian.Uint16(e[10:]))
	dirSize := uint64(binary.LittleEndian.Uint32(e[12:]))
	d.dirOffset = uint64(binary.LittleEndian.Uint32(e[16:]))
	end := d.eocd
	if d.listedRecs == 0xffff || dirSize == 0xffffffff || d.dirOffset == 0xffffffff {
		// zip64: a locator just before the end record names the zip64 end.
		var loc [20]byte
		if d.eocd >= 20 {
			if _, err := ra.ReadAt(loc[:], d.eocd-20); err == nil && string(loc[:4]) == "PK\x06\x07" {
				at := int64(binary.LittleEndian.Uint64(loc[8:]))
				var z [56]byte
				if at >= 0 && at+56 <= size {
					if _, err := ra.ReadAt(z[:], at); err == nil && string(z[:4]) == "PK\x06\x06" {
						d.zip64, end = true, at
						d.listedRecs = binary.LittleEndian.Uint64(z[32:])
						dirSize = binary.LittleEndian.Uint64(z[40:])
						d.dirOffset = binary.LittleEndian.Uint64(z[48:])
					}
				}
			}
		}
	}
	if dirSize > uint64(end) || d.dirOffset > uint64(end) {
		return nil, fmt.Errorf("its central directory is said to be outside the file")
	}
	base := end - int64(dirSize) - int64(d.dirOffset)
	if base < 0 {
		return nil, fmt.Errorf("its central directory is said to be outside the file")
	}
	d.start = base + int64(d.dirOffset)
	if base > 0 { // as Go does: a directory at its stated offset means no prefix
		var sig [4]byte
		if _, err := ra.ReadAt(sig[:], int64(d.dirOffset)); err == nil && string(sig[:]) == "PK\x01\x02" {
			base, d.start = 0, int64(d.dirOffset)
		}
	}
	d.prefixed = base > 0
	if err := d.walk(ra, end); err != nil {
		return nil, err
	}
	return d, nil
}

// walk counts the directory's records from its start, as Go reads them:
// until one does not begin as a record does.
func (d *zipDir) walk(ra io.ReaderAt, end int64) error {
	sr := io.NewSectionReader(ra, d.start, end-d.start)
	var h [dirHeaderLen]byte
	for {
		if _, err := io.ReadFull(sr, h[:]); err != nil || !bytes.Equal(h[:4], []byte("PK\x01\x02")) {
			break
		}
		n := int64(dirHeaderLen) + int64(binary.LittleEndian.Uint16(h[28:])) + int64(binary.LittleEndian.Uint16(h[30:])) + int64(binary.LittleEndian.Uint16(h[32:]))
		if d.records >= maxRecords || d.bytes+n > maxDirBytes {
			d.cut = true
			break
		}
		if _, err := sr.Seek(n-dirHeaderLen, io.SeekCurrent); err != nil {
			break
		}
		d.records++
		d.bytes += n
	}
	if d.records == 0 && d.listedRecs > 0 {
		return fmt.Errorf("no central directory record where its end record says")
	}
	return nil
}

// view is what Go's zip reader is shown of a zip whose directory was cut:
// the file up to the last record that fits, then an end record saying so.
func (d *zipDir) view(ra io.ReaderAt) (io.ReaderAt, int64, error) {
	if d.start+d.bytes > 0xffffffff || d.dirOffset > 0xffffffff {
		return nil, 0, fmt.Errorf("its central directory lists more than %d records and it is larger than 4 GiB", maxRecords)
	}
	end := make([]byte, eocdLen)
	copy(end, "PK\x05\x06")
	binary.LittleEndian.PutUint16(end[8:], uint16(d.records))
	binary.LittleEndian.PutUint16(end[10:], uint16(d.records))
	binary.LittleEndian.PutUint32(end[12:], uint32(d.bytes))
	binary.LittleEndian.PutUint32(end[16:], uint32(d.dirOffset))
	at := d.start + d.bytes
	return &spliced{ra: ra, at: at, tail: end}, at + eocdLen, nil
}

// spliced reads ra up to at, then tail.
type spliced struct {
	ra   io.ReaderAt
	at   int64
	tail []byte
}

func (s *spliced) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < s.at {
		k := min(int64(len(p)), s.at-off)
		m, err := s.ra.ReadAt(p[:k], off)
		n += m
		if err != nil && err != io.EOF || int64(m) < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		off += k
	}
	if n == len(p) {
		return n, nil
	}
	i := off - s.at
	if i >= int64(len(s.tail)) {
		return n, io.EOF
	}
	m := copy(p[n:], s.tail[i:])
	n += m
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
