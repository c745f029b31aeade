// Package archive opens what a release publishes (a .crate, a .tar.gz, a
// .zip, a bare .gz) as a stream of entries, so that each entry can be
// scanned as its own part. It is a decoding stage beside fetch's content
// decoding: it knows nothing of tokens, HTTP or reports. Every limit is the
// caller's to set and every cut is returned as a warning; entries are never
// extracted to disk, so names that climb out (../, absolute) and links are
// reported, never followed.
package archive

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// Kind is an archive format, recognised by its magic bytes.
type Kind int

// Formats.
const (
	None Kind = iota
	Gzip      // a gzip stream: a .tar.gz (.crate, .tgz) or a bare .gz
	Tar
	Zip
)

func (k Kind) String() string { return [...]string{"none", "gzip", "tar", "zip"}[k] }

// SniffLen is how many leading bytes Sniff needs to tell every format.
const SniffLen = 262

// Sniff names the format of a stream from its first bytes (up to
// SniffLen; fewer only tell gzip and zip).
func Sniff(b []byte) Kind {
	switch {
	case len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		return Gzip
	case len(b) >= 4 && bytes.Equal(b[:4], []byte("PK\x03\x04")):
		return Zip
	case len(b) >= 262 && bytes.Equal(b[257:262], []byte("ustar")):
		return Tar
	}
	return None
}

// Entry is one member of an archive.
type Entry struct {
	// Name is the member's path inside the archive, as stored (slashes).
	Name string
	// Body reads its decoded content; nil when Skip is set.
	Body io.Reader
	// Skip says why the content is not read (a link, a device, an
	// encrypted member); Warn flags a name that would climb out of the
	// archive if it were extracted.
	Skip, Warn string
}

// Reader yields an archive's entries. Next returns io.EOF after the last;
// an entry's Body is read before the next Next. Close lets go of what the
// reader holds (a zip's members inflated ahead) when it is not read to
// its end.
type Reader interface {
	Next() (*Entry, error)
	Close()
}

// Open reads the archive of kind k from r (zip needs ra and size: its
// index is at the end; r is then unused). name is the archive's own name,
// for a bare gzip's single entry.
func Open(k Kind, r io.Reader, ra io.ReaderAt, size int64, name string) (Reader, error) {
	switch k {
	case Gzip:
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		var in io.Reader = gz
		var ahead *inflater
		if readAhead() > 0 {
			ahead = inflateOn(gz)
			in = ahead
		}
		br := bufio.NewReaderSize(in, 64<<10)
		head, _ := br.Peek(SniffLen)
		if Sniff(head) == Tar {
			return &tarReader{tr: tar.NewReader(br), ahead: ahead}, nil
		}
		inner := strings.TrimSuffix(path.Base(name), path.Ext(name))
		if inner == "" || inner == "." || inner == "/" {
			inner = "content"
		}
		return &single{e: &Entry{Name: inner, Body: br}, ahead: ahead}, nil
	case Tar:
		return &tarReader{tr: tar.NewReader(r)}, nil
	case Zip:
		if ra == nil {
			return nil, errors.New("a zip needs random access")
		}
		zr, err := zip.NewReader(ra, size)
		if err != nil {
			return nil, err
		}
		zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
		z := &zipReader{files: zr.File, ahead: readAhead()}
		z.bufs = make(chan []byte, z.ahead+1)
		for range z.ahead + 1 {
			z.bufs <- nil
		}
		return z, nil
	}
	return nil, fmt.Errorf("not an archive")
}

// climbs says whether a member name would leave the directory it is
// extracted to.
func climbs(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.HasPrefix(n, "/") || len(n) > 1 && n[1] == ':':
		return "an absolute name: it would be extracted outside the target directory"
	case n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") || strings.HasSuffix(n, "/.."):
		return "a name with ../: it would be extracted outside the target directory"
	}
	return ""
}

type single struct {
	e     *Entry
	done  bool
	ahead *inflater
}

func (s *single) Close() { s.ahead.Close() }

func (s *single) Next() (*Entry, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	return s.e, nil
}

type tarReader struct {
	tr    *tar.Reader
	ahead *inflater
}

func (t *tarReader) Close() { t.ahead.Close() }

// A gzip stream is one stream: it cannot be inflated on two cores, but it
// can be inflated on one while the other scans what came out. inflater
// reads r on its own goroutine, a chunk of aheadChunk at a time, up to
// aheadChunks ahead of its reader.
const (
	aheadChunk  = 256 << 10
	aheadChunks = 4
)

type inflater struct {
	full  chan chunk
	free  chan []byte
	stop  chan struct{}
	ended chan struct{}
	cur   []byte // what is left of the chunk being read
	held  []byte // that chunk's buffer
	err   error
}

type chunk struct {
	b   []byte
	err error
}

func inflateOn(r io.Reader) *inflater {
	in := &inflater{full: make(chan chunk, aheadChunks), free: make(chan []byte, aheadChunks),
		stop: make(chan struct{}), ended: make(chan struct{})}
	for range aheadChunks {
		in.free <- nil // allocated when first filled
	}
	go func() {
		defer close(in.ended)
		for {
			var buf []byte
			select {
			case buf = <-in.free:
			case <-in.stop:
				return
			}
			if buf == nil {
				buf = make([]byte, aheadChunk)
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case in.full <- chunk{buf[:n], err}:
			case <-in.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return in
}

func (in *inflater) Read(p []byte) (int, error) {
	for len(in.cur) == 0 {
		if in.err != nil {
			return 0, in.err
		}
		if in.held != nil {
			in.free <- in.held[:cap(in.held)]
			in.held = nil
		}
		c := <-in.full
		in.cur, in.held, in.err = c.b, c.b, c.err
	}
	n := copy(p, in.cur)
	in.cur = in.cur[n:]
	return n, nil
}

// Close stops the inflating and waits for it to end (within a chunk): the
// stream under it is not read once Close returns.
func (in *inflater) Close() {
	if in == nil {
		return
	}
	select {
	case <-in.stop:
	default:
		close(in.stop)
	}
	<-in.ended
}

func (t *tarReader) Next() (*Entry, error) {
	for {
		h, err := t.tr.Next()
		if err != nil {
			return nil, err
		}
		e := &Entry{Name: h.Name, Warn: climbs(h.Name)}
		switch h.Typeflag {
		case tar.TypeReg:
			e.Body = t.tr
		case tar.TypeDir, tar.TypeXGlobalHeader:
			continue // no content
		case tar.TypeSymlink:
			e.Skip = "a symbolic link (to " + h.Linkname + "): not followed"
		case tar.TypeLink:
			e.Skip = "a hard link (to " + h.Linkname + "): not followed"
		default:
			e.Skip = fmt.Sprintf("not a regular file (tar type %q)", h.Typeflag)
		}
		return e, nil
	}
}

// A zip's members are inflated ahead of the one being read, on other
// cores: scanning an archive is mostly inflating it, and a zip's members,
// unlike a gzip stream, can be inflated apart. Up to ReadAhead members are
// in flight, each inflated up to AheadBytes ahead (the rest when it is
// read): memory is bounded whatever the archive claims. Variables for the
// tests; ReadAhead 0 inflates each member only when it is read (and a
// gzip stream in its reader, see inflater), and -1 (the default) reads
// two ahead a core where there is more than one.
var (
	ReadAhead  = -1
	AheadBytes = 2 << 20
)

func readAhead() int {
	if ReadAhead >= 0 {
		return ReadAhead
	}
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return 2 * n
	}
	return 0
}

type zipReader struct {
	files   []*zip.File // not yet looked at, in order
	pending []*member   // looked at, not yet returned, in order
	ahead   int         // members inflated ahead at most
	open    io.ReadCloser
	// bufs are the buffers members are inflated ahead into, one more than
	// ahead: the member being read holds last.
	bufs chan []byte
	last []byte
}

// member is a zip member on its way: its entry, and for one with content,
// what was inflated ahead of it.
type member struct {
	e   *Entry
	f   *zip.File
	got chan inflated // nil: inflated when read
}

type inflated struct {
	buf  []byte
	rest io.ReadCloser // the member after buf; nil when buf is all of it
	err  error         // from opening (the member cannot be read) or inflating
	open bool          // the member could be opened
}

func (z *zipReader) Close() {
	if z.open != nil {
		z.open.Close()
		z.open = nil
	}
	for _, m := range z.pending { // inflating ahead ends within AheadBytes
		if m.got != nil {
			if r := <-m.got; r.rest != nil {
				r.rest.Close()
			}
		}
	}
	z.pending, z.files = nil, nil
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
		m := &member{e: &Entry{Name: f.Name, Warn: climbs(f.Name)}, f: f}
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			continue
		case mode&fs.ModeSymlink != 0:
			m.e.Skip = "a symbolic link: not followed"
		case f.Flags&1 != 0:
			m.e.Skip = "encrypted: its content cannot be read"
		case z.ahead > 0:
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

// errAfter reads nothing and fails with err: what follows the part of a
// member inflated before its inflating failed.
type errAfter struct{ err error }

func (e errAfter) Read([]byte) (int, error) { return 0, e.err }

func (z *zipReader) Next() (*Entry, error) {
	if z.open != nil {
		z.open.Close()
		z.open = nil
	}
	if z.last != nil { // the last member is read: its buffer is free
		z.bufs <- z.last
		z.last = nil
	}
	z.fill()
	if len(z.pending) == 0 {
		return nil, io.EOF
	}
	m := z.pending[0]
	z.pending = z.pending[1:]
	z.fill()
	e := m.e
	switch {
	case e.Skip != "":
		return e, nil
	case m.got == nil: // inflated as it is read
		rc, err := m.f.Open()
		if err != nil {
			e.Skip = "cannot be read: " + err.Error()
			return e, nil
		}
		z.open, e.Body = rc, rc
		return e, nil
	}
	r := <-m.got
	z.last = r.buf
	switch {
	case !r.open:
		e.Skip = "cannot be read: " + r.err.Error()
	case r.err != nil:
		e.Body = io.MultiReader(bytes.NewReader(r.buf), errAfter{r.err})
	case r.rest != nil:
		z.open, e.Body = r.rest, io.MultiReader(bytes.NewReader(r.buf), r.rest)
	default:
		e.Body = bytes.NewReader(r.buf)
	}
	return e, nil
}
