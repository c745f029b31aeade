package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// rpm: a 96-byte lead, a signature header, the header, then the payload: a
// cpio archive compressed as the header's PAYLOADCOMPRESSOR tag says
// (zstd and xz today, gzip, bzip2 and LZMA in older ones). Headers are
// read as they stream, keeping only the tags wanted; their claimed sizes
// are bounded before anything is read past them.
func isRpm(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "\xed\xab\xee\xdb" }

const (
	rpmLeadLen      = 96
	maxRPMIndex     = 1 << 20 // index entries in a header
	maxRPMHeader    = 1 << 30 // bytes of a header's data
	tagPayloadCompr = 1125    // RPMTAG_PAYLOADCOMPRESSOR
	rpmString       = 6       // RPM_STRING_TYPE
)

// The header entries: what an rpm says of itself (its description, its
// scriptlets, its file names, its changelog) is text anyone reads with
// rpm -qi, and is scanned as such.
const (
	RPMSignatureHeader = "(rpm signature header)"
	RPMHeader          = "(rpm header)"
)

// rpmReader yields the signature header's data, the header's, then the
// payload's members.
type rpmReader struct {
	s       *Session
	br      *bufio.Reader
	stage   int
	data    *rpmData // the header being read as an entry
	payload Reader
}

func openRpm(s *Session, r io.Reader, _ io.ReaderAt, _ int64, _ string) (Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Discard(rpmLeadLen); err != nil {
		return nil, fmt.Errorf("its lead is cut short")
	}
	return &rpmReader{s: s, br: br}, nil
}

func (r *rpmReader) Close() {
	if r.payload != nil {
		r.payload.Close()
	}
}

func (r *rpmReader) Next() (*Entry, error) {
	if r.data != nil { // what the last header's entry left unread, and its padding
		if _, err := io.Copy(io.Discard, r.data); err != nil {
			return nil, fmt.Errorf("a header's data is cut short")
		}
		if _, err := r.br.Discard(r.data.pad); err != nil {
			return nil, fmt.Errorf("a header's padding is cut short")
		}
	}
	switch r.stage {
	case 0, 1:
		d, err := rpmIndex(r.br, r.stage == 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", [...]string{"its signature header", "its header"}[r.stage], err)
		}
		r.data, r.stage = d, r.stage+1
		return &Entry{Name: [...]string{RPMSignatureHeader, RPMHeader}[r.stage-1], Body: d}, nil
	case 2:
		r.stage = 3
		compressor := r.data.compressor()
		r.data = nil
		p, err := r.openPayload(compressor)
		if err != nil {
			return nil, err
		}
		r.payload = p
	}
	return r.payload.Next()
}

// openPayload opens the cpio archive after the header, compressed as its
// magic bytes say (or, for LZMA, which has none, as the header says).
func (r *rpmReader) openPayload(compressor string) (Reader, error) {
	s, br := r.s, r.br
	head, _ := br.Peek(SniffLen)
	k := Sniff(head)
	switch {
	case k == Cpio:
		return openCpio(s, br, nil, 0, "")
	case k.Stream():
		rc, release, err := s.decode(k, br)
		if err != nil {
			return nil, err
		}
		return &cpioReader{r: bufio.NewReaderSize(rc, 64<<10), close: func() { rc.Close(); release() }}, nil
	case compressor == "lzma":
		var h [13]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return nil, notOpened(Lzma, "its header is cut short")
		}
		rc, release, err := s.openLZMA(h[:5], br, int64(binary.LittleEndian.Uint64(h[5:])))
		if err != nil {
			return nil, err
		}
		return &cpioReader{r: bufio.NewReaderSize(rc, 64<<10), close: func() { rc.Close(); release() }}, nil
	}
	return nil, notOpened(Rpm, "its payload (compressor %q) is in no format cratesguard decodes", compressor)
}

// rpmIndex reads one header structure's magic and index, and returns its
// data, to be read as an entry: the payload compressor's string is caught
// as it passes. The signature header is padded to eight bytes.
func rpmIndex(br *bufio.Reader, padded bool) (*rpmData, error) {
	var h [16]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, fmt.Errorf("cut short")
	}
	if string(h[:3]) != "\x8e\xad\xe8" {
		return nil, fmt.Errorf("no header magic")
	}
	n, size := binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	if n > maxRPMIndex || size > maxRPMHeader {
		return nil, fmt.Errorf("it claims %d entries and %d bytes, more than cratesguard reads (%d, %d)", n, size, maxRPMIndex, maxRPMHeader)
	}
	d := &rpmData{r: io.LimitReader(br, int64(size)), want: -1}
	for range n {
		var e [16]byte
		if _, err := io.ReadFull(br, e[:]); err != nil {
			return nil, fmt.Errorf("its index is cut short")
		}
		if off := binary.BigEndian.Uint32(e[8:]); binary.BigEndian.Uint32(e[:]) == tagPayloadCompr &&
			binary.BigEndian.Uint32(e[4:]) == rpmString && d.want < 0 && off < size {
			d.want = int64(off)
		}
	}
	if padded {
		d.pad = int((8 - (16+16*int64(n)+int64(size))%8) % 8)
	}
	return d, nil
}

// rpmData is a header's data as it is read, catching the bytes at want
// (the payload compressor's string) on the way.
type rpmData struct {
	r    io.Reader
	pos  int64
	want int64 // -1: nothing wanted
	got  []byte
	pad  int
}

func (d *rpmData) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if d.want >= 0 && len(d.got) < 64 {
		lo, hi := max(d.want, d.pos), min(d.want+64, d.pos+int64(n))
		if lo < hi {
			d.got = append(d.got, p[lo-d.pos:hi-d.pos]...)
		}
	}
	d.pos += int64(n)
	return n, err
}

// compressor is the string caught at want.
func (d *rpmData) compressor() string {
	if i := bytes.IndexByte(d.got, 0); i >= 0 {
		return string(d.got[:i])
	}
	return ""
}
