package archive

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/klauspost/compress/flate"
)

// zip: zip64, bytes in front of it (found from its end record: see
// zipdir.go), members stored, deflated (inflated ahead, on other cores),
// or compressed with bzip2, LZMA, zstd or xz (decoded when read, their
// windows from the session). Other methods (deflate64, PPMd, AES) and
// encrypted members are listed as not read.
func isZip(b []byte) bool {
	return len(b) >= 4 && (string(b[:4]) == "PK\x03\x04" || string(b[:4]) == "PK\x05\x06")
}

// ZipComment names the entry of a zip's comment.
const ZipComment = "(zip comment)"

// Zip compression methods beyond Go's two.
const (
	methodBzip2 = 12
	methodLZMA  = 14
	methodZstd  = 93
	methodXz    = 95
)

var methodNames = map[uint16]string{1: "shrink", 6: "implode", 9: "deflate64", 10: "PKWARE implode", 18: "IBM TERSE",
	19: "IBM LZ77", 96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES encryption"}

type zipReader struct {
	s       *Session
	files   []*zip.File // not yet looked at, in order
	pending []*member   // looked at, not yet returned, in order
	ahead   int         // members inflated ahead at most
	open    io.ReadCloser
	release func() // the window of the member being read
	// bufs are the buffers members are inflated ahead into, one more than
	// ahead: the member being read holds last.
	bufs chan []byte
	last []byte
	// rest is said after the last member: the records past a cap.
	rest error
	// comment is the zip's own comment, an entry of its own after the
	// members (it is text anyone can read with unzip -z).
	comment string
}

func openZip(s *Session, _ io.Reader, ra io.ReaderAt, size int64, _ string) (Reader, error) {
	if ra == nil {
		return nil, fmt.Errorf("a zip needs random access")
	}
	d, err := readZipDir(ra, size)
	if err != nil {
		return nil, err
	}
	var rest error
	if d.cut {
		if ra, size, err = d.view(ra); err != nil {
			return nil, notOpened(Zip, "%v", err)
		}
		rest = notOpened(Zip, "its central directory goes on past %d records or %s: the members it lists after the first %d were not opened",
			maxRecords, mib(maxDirBytes), d.records)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && err != zip.ErrInsecurePath {
		return nil, err
	}
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	z := &zipReader{s: s, files: zr.File, ahead: readAhead(), rest: rest, comment: zr.Comment}
	z.bufs = make(chan []byte, z.ahead+1)
	for range z.ahead + 1 {
		z.bufs <- nil
	}
	return z, nil
}

// member is a zip member on its way: its entry, and for one with content,
// what was inflated ahead of it.
type member struct {
	e   *Entry
	f   *zip.File
	got chan inflated // nil: decoded when read
}

type inflated struct {
	buf  []byte
	rest io.ReadCloser // the member after buf; nil when buf is all of it
	err  error         // from opening (the member cannot be read) or inflating
	open bool          // the member could be opened
}

func (z *zipReader) Close() {
	z.closeOpen()
	for _, m := range z.pending { // inflating ahead ends within AheadBytes
		if m.got != nil {
			if r := <-m.got; r.rest != nil {
				r.rest.Close()
			}
		}
	}
	z.pending, z.files = nil, nil
}

func (z *zipReader) closeOpen() {
	if z.open != nil {
		z.open.Close()
		z.open = nil
	}
	if z.release != nil {
		z.release()
		z.release = nil
	}
}

// unread says why a member's method cannot be read here, or "".
func unread(f *zip.File) string {
	switch {
	case f.Flags&1 != 0 || f.Method == 99:
		return "encrypted: its content cannot be read"
	case f.Method == zip.Store || f.Method == zip.Deflate || f.Method == methodBzip2 ||
		f.Method == methodLZMA || f.Method == methodZstd || f.Method == methodXz:
		return ""
	case methodNames[f.Method] != "":
		return fmt.Sprintf("compressed with method %d (%s), which cratesguard does not decode", f.Method, methodNames[f.Method])
	}
	return fmt.Sprintf("compressed with method %d, which cratesguard does not know", f.Method)
}

// fill looks at members until one is pending and, reading ahead, until
// ahead of them with content are being inflated, or 2*ahead are pending
// (a run of links or encrypted members does not queue the archive whole).
func (z *zipReader) fill() {
	inFlight := 0
	for _, m := range z.pending {
		if m.got != nil {
			inFlight++
		}
	}
	for len(z.files) > 0 && (len(z.pending) == 0 || inFlight < z.ahead && len(z.pending) < 2*z.ahead) {
		f := z.files[0]
		z.files = z.files[1:]
		mode := f.Mode()
		m := &member{e: &Entry{Name: f.Name, Warn: climbs(f.Name), Meta: meta(f.Name, f.Comment)}, f: f}
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			continue
		case mode&fs.ModeSymlink != 0:
			m.e.Skip = "a symbolic link: not followed"
		case unread(f) != "":
			m.e.Unread = unread(f)
		case z.ahead > 0 && (f.Method == zip.Deflate || f.Method == zip.Store):
			m.got = make(chan inflated, 1)
			go inflateAhead(f, <-z.bufs, m.got)
			inFlight++
		}
		z.pending = append(z.pending, m)
	}
}

// inflateAhead opens f and inflates up to AheadBytes of it into buf.
func inflateAhead(f *zip.File, buf []byte, got chan<- inflated) {
	rc, err := f.Open()
	if err != nil {
		got <- inflated{buf: buf[:0], err: err}
		return
	}
	buf = buf[:0]
	if want := min(f.UncompressedSize64+1, uint64(AheadBytes)); uint64(cap(buf)) < want {
		buf = make([]byte, 0, want)
	}
	for len(buf) < AheadBytes {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow (a size the archive claims is no bound)
		}
		n, rerr := rc.Read(buf[len(buf):min(cap(buf), AheadBytes)])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF {
			rc.Close()
			got <- inflated{buf: buf, open: true}
			return
		}
		if rerr != nil {
			rc.Close()
			got <- inflated{buf: buf, err: rerr, open: true}
			return
		}
	}
	got <- inflated{buf: buf, rest: rc, open: true}
}

func (z *zipReader) Next() (*Entry, error) {
	z.closeOpen()
	if z.last != nil { // the last member is read: its buffer is free
		z.bufs <- z.last
		z.last = nil
	}
	z.fill()
	if len(z.pending) == 0 {
		if z.comment != "" {
			e := &Entry{Name: ZipComment, Body: strings.NewReader(z.comment)}
			z.comment = ""
			return e, nil
		}
		if z.rest != nil {
			err := z.rest
			z.rest = nil
			return nil, err
		}
		return nil, io.EOF
	}
	m := z.pending[0]
	z.pending = z.pending[1:]
	z.fill()
	e := m.e
	switch {
	case e.Skip != "" || e.Unread != "":
		return e, nil
	case m.got == nil: // decoded as it is read
		rc, release, err := z.openMember(m.f)
		if err != nil {
			if no, ok := IsNotOpened(err); ok {
				e.Unread = no.Format + ": " + no.Reason
			} else {
				e.Body = errReader{err}
			}
			return e, nil
		}
		z.open, z.release, e.Body = rc, release, rc
		return e, nil
	}
	r := <-m.got
	z.last = r.buf
	switch {
	case !r.open:
		e.Body = errReader{r.err}
	case r.err != nil:
		e.Body = io.MultiReader(bytes.NewReader(r.buf), errReader{r.err}) // what was inflated, then its failure
	case r.rest != nil:
		z.open, e.Body = r.rest, io.MultiReader(bytes.NewReader(r.buf), r.rest)
	default:
		e.Body = bytes.NewReader(r.buf)
	}
	return e, nil
}

// openMember opens a member to decode as it is read: Go's own methods
// through Go (their CRC checked), the others from their raw bytes.
func (z *zipReader) openMember(f *zip.File) (io.ReadCloser, func(), error) {
	switch f.Method {
	case zip.Store, zip.Deflate:
		rc, err := f.Open()
		return rc, nil, err
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, nil, err
	}
	switch f.Method {
	case methodBzip2:
		return z.s.decode(Bzip2, raw)
	case methodZstd:
		return z.s.decode(Zstd, raw)
	case methodXz:
		return z.s.decode(Xz, raw)
	}
	// LZMA (APPNOTE 5.8.8): a version, the properties' length, the
	// properties, then the stream.
	var h [4]byte
	if _, err := io.ReadFull(raw, h[:]); err != nil {
		return nil, nil, notOpened(Lzma, "its header is cut short")
	}
	props := make([]byte, binary.LittleEndian.Uint16(h[2:]))
	if _, err := io.ReadFull(raw, props); err != nil || len(props) != 5 {
		return nil, nil, notOpened(Lzma, "its properties are not five bytes")
	}
	size := int64(f.UncompressedSize64)
	if f.UncompressedSize64 > 1<<50 {
		size = -1
	}
	return z.s.openLZMA(props, raw, size)
}
