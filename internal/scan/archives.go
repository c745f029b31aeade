package scan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// Bounds on one archive (its nested archives included); each is reported
// when hit. Variables for the tests.
var (
	maxEntries      = 10000 // members scanned
	maxArchiveDepth = 2     // archives inside archives
	maxArchiveNotes = 50    // warnings kept about single members
)

// unpacking is the state shared by an archive and the archives inside it.
type unpacking struct {
	sess     *archive.Session
	total    int64 // decoded bytes read, all members
	entries  int
	skipped  int // binary members, not scanned
	notes    []string
	dropped  int // notes past maxArchiveNotes
	stopped  bool
	found    int
	warnings []string
	// unopened holds the parts recognised but not read (their
	// findings.Target carries nothing else).
	unopened findings.Target
	// under is a directory the outer archive's members are named in: an
	// image layer's digest (oci:REPO!/sha256:…/usr/bin/app).
	under string
}

func (e *engine) unpack(w *worker) *unpacking {
	return &unpacking{sess: archive.NewSession(w.ctx, e.budget)}
}

func (u *unpacking) note(s string) {
	if len(u.notes) < maxArchiveNotes {
		u.notes = append(u.notes, s)
	} else {
		u.dropped++
	}
}

// notOpened records part, of format k, as not read: err says why.
func (u *unpacking) notOpened(part string, k archive.Kind, err error) {
	format, reason := k.String(), err.Error()
	if no, ok := archive.IsNotOpened(err); ok {
		format, reason = no.Format, no.Reason
	}
	u.unopened.AddUnopened(findings.Unopened{Part: part, Format: format, Reason: reason})
}

// randomAccess is a reader that can also be read at offsets (a file), for
// a zip, whose index is at its end.
type randomAccess interface {
	randomAccess() (io.ReaderAt, int64, bool)
}

func (c *countingReader) randomAccess() (io.ReaderAt, int64, bool) {
	if ra, ok := c.r.(randomAccess); ok {
		return ra.randomAccess()
	}
	if f, ok := c.r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			c.n = st.Size()
			return f, st.Size(), true
		}
	}
	return nil, 0, false
}

// at is bytes read at offsets: a spooled body.
type at struct {
	io.ReaderAt
	size int64
}

func (a at) Read([]byte) (int, error)                 { return 0, io.EOF }
func (a at) randomAccess() (io.ReaderAt, int64, bool) { return a.ReaderAt, a.size, true }

// sniff peeks at the start of r: the reader to go on with, and the archive
// format it starts with, if any.
func sniff(r io.Reader) (*bufio.Reader, archive.Kind) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(archive.SniffLen)
	return br, archive.Sniff(head)
}

// opens says whether a file (size bytes at ra, starting with head) is read
// as an archive: it starts as one, or it is a program or script carrying a
// zip appended to it.
func opens(head []byte, ra io.ReaderAt, size int64) bool {
	return archive.Sniff(head) != archive.None || carries(head) && archive.FindZip(ra, size)
}

// carries says whether head starts a program or a script: what a
// self-extracting installer is, with a zip appended to it.
func carries(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch {
	case head[0] == '#' && head[1] == '!', head[0] == 'M' && head[1] == 'Z', string(head[:4]) == "\x7fELF":
		return true
	}
	switch string(head[:4]) {
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe":
		return true // Mach-O, thin and universal
	}
	return false
}

// scanArchive scans each member of the archive in r as its own part: its
// place is loc's target, "!/", and the member's path. Members that are
// archives are opened in turn, down to maxArchiveDepth. An error is the
// archive not opened (loc's caller records it); what goes wrong after it
// is opened is recorded in u.
func (e *engine) scanArchive(w *worker, k archive.Kind, r io.Reader, src io.Reader, loc findings.Location, u *unpacking, depth int) error {
	var ra io.ReaderAt
	var size int64
	if k == archive.Zip {
		var cleanup func()
		var err error
		if ra, size, cleanup, err = e.zipAccess(r, src); err != nil {
			return err
		}
		defer cleanup()
	}
	ar, err := u.sess.Open(k, r, ra, size, loc.Target)
	if err != nil {
		return err
	}
	defer ar.Close()
	n := 0
	for !u.stopped {
		en, err := ar.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if _, ok := archive.IsNotOpened(err); !ok {
				err = fmt.Errorf("cut short after %d members: %v", n, err)
			}
			u.notOpened(loc.Target, k, err)
			return nil
		}
		n++
		e.scanMember(w, en, k, loc, u, depth)
	}
	return nil
}

// scanArchiveBody opens the archive of kind ak that br reads from src and
// scans its members (see scanArchive), named under the directory under
// when it is set (an image layer's digest).
func (e *engine) scanArchiveBody(w *worker, br io.Reader, src *sourceReader, ak archive.Kind, loc findings.Location, under string) (*body, error) {
	u := e.unpack(w)
	u.under = under
	defer u.sess.Close()
	err := e.scanArchive(w, ak, br, src.r, loc, u, 0)
	b := &body{}
	switch {
	case src.err != nil:
		return b, src.err
	case err != nil:
		part := loc.Target
		if under != "" {
			part += "!/" + under
		}
		u.notOpened(part, ak, err)
		b.whole = true
	}
	u.into(b)
	return b, nil
}

// zipAccess gives random access to a zip: the file itself when r reads a
// regular file, else the stream spooled to a temporary file, at most
// --max-bytes of it (a zip's index is at its end: a longer one cannot be
// read).
func (e *engine) zipAccess(r, src io.Reader) (io.ReaderAt, int64, func(), error) {
	if ra, ok := src.(randomAccess); ok {
		if at, size, ok := ra.randomAccess(); ok {
			return at, size, func() {}, nil
		}
	}
	f, n, err := e.spool(r)
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if n > e.cfg.MaxBytes {
		cleanup()
		return nil, 0, nil, fmt.Errorf("a zip larger than --max-bytes %d: not read (its index is at its end)", e.cfg.MaxBytes)
	}
	return f, n, cleanup, nil
}

// spool copies r, up to one byte past --max-bytes, to a temporary file.
func (e *engine) spool(r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "cratesguard-zip-")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, e.cfg.MaxBytes+1))
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, fmt.Errorf("reading the zip: %v", err)
	}
	return f, n, nil
}

// memberName is how a member is named after its archive: the name as
// written, never a path of the file system or of the site. What would
// move it elsewhere once the place is cleaned or resolved is escaped: a
// "." or ".." segment (%2E), a leading "/" (%2F), a backslash (%5C), a
// drive letter's colon (%3A); in a URL each segment is escaped as a path
// segment is. A leading "./" (tar's) is dropped: it moves nothing.
func memberName(name string, isURL bool) string {
	name = strings.TrimPrefix(name, "./")
	rest := strings.TrimLeft(name, "/")
	lead := strings.Repeat("%2F", len(name)-len(rest))
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		if isURL {
			s = url.PathEscape(s)
		}
		if s == "." || s == ".." {
			s = strings.Repeat("%2E", len(s))
		}
		s = strings.ReplaceAll(s, `\`, "%5C")
		if i == 0 && lead == "" && len(s) >= 2 && s[1] == ':' && 'a' <= s[0]|0x20 && s[0]|0x20 <= 'z' {
			s = s[:1] + "%3A" + s[2:]
		}
		segs[i] = s
	}
	return lead + strings.Join(segs, "/")
}

// wasmMagic starts every WebAssembly module: code, scanned whatever its
// name says.
const wasmMagic = "\x00asm"

func (e *engine) scanMember(w *worker, en *archive.Entry, k archive.Kind, loc findings.Location, u *unpacking, depth int) {
	mloc := loc
	mloc.Target = loc.Target + "!/" + memberName(en.Name, loc.IsURL)
	if u.under != "" && depth == 0 {
		mloc.Target = loc.Target + "!/" + u.under + "/" + memberName(en.Name, loc.IsURL)
	}
	if en.Warn != "" {
		u.note(fmt.Sprintf("%s: %s (cratesguard never extracts)", mloc.Target, en.Warn))
	}
	if en.Meta != "" { // a name, a link's target, a PAX comment: read, so scanned
		meta := mloc
		meta.Part = findings.PartMember
		b, _ := e.scanStream(w, strings.NewReader(en.Meta), crawl.Text, linksAt{}, meta, nil)
		u.found += b.found
	}
	switch {
	case en.Skip != "":
		u.note(mloc.Target + ": " + en.Skip)
		return
	case en.Unread != "":
		u.notOpened(mloc.Target, k, errors.New(en.Unread))
		return
	}
	if u.entries >= maxEntries {
		u.stopped = true
		u.notOpened(loc.Target, k, fmt.Errorf("more than %d members: the rest were not opened", maxEntries))
		return
	}
	u.entries++
	room := e.cfg.MaxBytes - u.total
	if room <= 0 {
		u.stopped = true
		u.notOpened(loc.Target, k, fmt.Errorf("it decodes to more than --max-bytes %d in all (a zip bomb?): the rest was not read", e.cfg.MaxBytes))
		return
	}
	lr := &io.LimitedReader{R: en.Body, N: room}
	cr := &countingReader{r: lr}
	in, kind := sniff(cr)
	defer func() { u.total += cr.n }()
	if kind != archive.None {
		if depth+1 < maxArchiveDepth {
			if err := e.scanArchive(w, kind, in, nil, mloc, u, depth+1); err != nil {
				u.notOpened(mloc.Target, kind, err)
			}
		} else {
			u.notOpened(mloc.Target, kind, fmt.Errorf("an archive nested deeper than %d archives: not opened", maxArchiveDepth))
		}
		e.cutAtRoom(lr, en, mloc, k, u)
		return
	}
	ck := crawl.Classify(&url.URL{Path: "/" + en.Name}, "")
	if head, _ := in.Peek(len(wasmMagic)); string(head) == wasmMagic {
		ck = crawl.Wasm
	}
	if ck == crawl.Binary && !e.cfg.ScanBinary {
		u.skipped++
		return
	}
	scan := func() (*body, error) { return e.scanStream(w, in, ck, linksAt{}, mloc, nil) }
	if head, _ := in.Peek(4); carries(head) && depth+1 < maxArchiveDepth {
		// An installer inside a release archive: its appended zip too.
		scan = func() (*body, error) { return e.scanCarrier(w, in, nil, ck, linksAt{}, mloc, nil, u, depth+1) }
	}
	b, err := scan()
	u.found += b.found
	for _, n := range b.warnings { // the decoder's limits
		u.note(mloc.Target + ": " + n)
	}
	if err != nil {
		u.notOpened(mloc.Target, k, fmt.Errorf("cut short after %d bytes: %v", cr.n, err))
	}
	e.cutAtRoom(lr, en, mloc, k, u)
}

// cutAtRoom records a member read up to what was left of --max-bytes, if
// it went on past it, and stops the archive there.
func (e *engine) cutAtRoom(lr *io.LimitedReader, en *archive.Entry, mloc findings.Location, k archive.Kind, u *unpacking) {
	if lr.N > 0 {
		return
	}
	if n, _ := io.CopyN(io.Discard, en.Body, 1); n > 0 {
		u.stopped = true
		u.notOpened(mloc.Target, k, fmt.Errorf("it decodes to more than --max-bytes %d in all (a zip bomb?): it and what follows were not read to the end", e.cfg.MaxBytes))
	}
}

// archiveWarnings is what an archive's scan says about it besides what it
// did not open.
func (u *unpacking) archiveWarnings() []string {
	out := append([]string(nil), u.warnings...)
	out = append(out, u.notes...)
	if u.dropped > 0 {
		out = append(out, fmt.Sprintf("%d more notes about its members were not listed", u.dropped))
	}
	if u.skipped > 0 {
		out = append(out, fmt.Sprintf("%d binary members (images, fonts, media…) not scanned; --scan-binary scans them", u.skipped))
	}
	return out
}

// into hands what the archive's scan found to b.
func (u *unpacking) into(b *body) {
	b.found += u.found
	b.warnings = append(b.warnings, u.archiveWarnings()...)
	b.unopened.MergeUnopened(&u.unopened)
}

// scanCarrier scans a program or script, br, as the bytes it is, then the
// zip appended to it if it has one (found from the zip's end record): a
// file is read at offsets, anything else spooled as it is scanned.
//
// Inside an archive (u set), the zip is one of its members' archives, at
// depth; otherwise it is opened in a session of its own.
func (e *engine) scanCarrier(w *worker, br *bufio.Reader, src io.Reader, kind crawl.Content, lk linksAt, loc findings.Location, wants []crawl.Pos, u *unpacking, depth int) (*body, error) {
	var ra io.ReaderAt
	var size int64
	var r io.Reader = br
	var spool *os.File
	var sw *spoolWriter
	if s, ok := src.(randomAccess); ok {
		ra, size, _ = s.randomAccess()
	}
	if ra == nil {
		f, err := os.CreateTemp("", "cratesguard-carrier-")
		if err != nil {
			return e.scanStream(w, br, kind, lk, loc, wants)
		}
		defer func() { f.Close(); os.Remove(f.Name()) }()
		spool, sw = f, &spoolWriter{f: f, room: e.cfg.MaxBytes}
		r = io.TeeReader(br, sw)
	}
	b, err := e.scanStream(w, r, kind, lk, loc, wants)
	if err != nil {
		return b, err
	}
	if spool != nil {
		st, err := spool.Stat()
		if err == nil {
			err = sw.err
		}
		if err != nil {
			b.warnings = append(b.warnings, fmt.Sprintf("it starts as a program or script does, and could not be spooled to look for a zip appended to it: %v", err))
			return b, nil
		}
		ra, size = spool, st.Size()
	}
	if !archive.FindZip(ra, size) {
		return b, nil
	}
	nested := u != nil
	if !nested {
		u = e.unpack(w)
		defer u.sess.Close()
	}
	if err := e.scanArchive(w, archive.Zip, nil, at{ra, size}, loc, u, depth); err != nil {
		u.notOpened(loc.Target+" (the zip appended to it)", archive.Zip, err)
	}
	if !nested {
		u.into(b)
	}
	return b, nil
}

// spoolWriter writes to f until room runs out, then drops the rest (what
// was spooled is then no whole zip, and its end record is not found).
type spoolWriter struct {
	f    *os.File
	room int64
	err  error
}

func (s *spoolWriter) Write(p []byte) (int, error) {
	if s.err == nil && s.room > 0 {
		k := min(int64(len(p)), s.room)
		_, s.err = s.f.Write(p[:k])
		s.room -= k
	}
	return len(p), nil
}
