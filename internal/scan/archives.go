package scan

import (
	"bufio"
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
	total    int64 // decoded bytes read, all members
	entries  int
	skipped  int // binary members, not scanned
	notes    []string
	dropped  int // notes past maxArchiveNotes
	stopped  bool
	found    int
	warnings []string // about the archive as a whole
}

func (u *unpacking) note(s string) {
	if len(u.notes) < maxArchiveNotes {
		u.notes = append(u.notes, s)
	} else {
		u.dropped++
	}
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

// sniff peeks at the start of r: the reader to go on with, and the archive
// format it starts with, if any.
func sniff(r io.Reader) (io.Reader, archive.Kind) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(archive.SniffLen)
	return br, archive.Sniff(head)
}

// scanArchive scans each member of the archive in r as its own part: its
// place is loc's target, "!/", and the member's path. Members that are
// archives are opened in turn, down to maxArchiveDepth.
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
	ar, err := archive.Open(k, r, ra, size, loc.Target)
	if err != nil {
		return fmt.Errorf("a %s archive that cannot be read: %v", k, err)
	}
	defer ar.Close()
	for !u.stopped {
		en, err := ar.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the %s archive broke off after %d members: %v", k, u.entries, err)
		}
		e.scanMember(w, en, loc, u, depth)
	}
	return nil
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
	f, err := os.CreateTemp("", "cratesguard-zip-")
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, io.LimitReader(r, e.cfg.MaxBytes+1))
	switch {
	case err != nil:
		cleanup()
		return nil, 0, nil, fmt.Errorf("reading the zip: %v", err)
	case n > e.cfg.MaxBytes:
		cleanup()
		return nil, 0, nil, fmt.Errorf("a zip larger than --max-bytes %d: not read (its index is at its end)", e.cfg.MaxBytes)
	}
	return f, n, cleanup, nil
}

// memberName is how a member is named after its archive: path segments
// escaped in a URL, as they are in a path.
func memberName(name string, isURL bool) string {
	name = strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "./")
	if !isURL {
		return name
	}
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func (e *engine) scanMember(w *worker, en *archive.Entry, loc findings.Location, u *unpacking, depth int) {
	mloc := loc
	mloc.Target = loc.Target + "!/" + memberName(en.Name, loc.IsURL)
	if en.Warn != "" {
		u.note(fmt.Sprintf("%s: %s (scanned; cratesguard never extracts)", mloc.Target, en.Warn))
	}
	if en.Skip != "" {
		u.note(mloc.Target + ": " + en.Skip)
		return
	}
	if u.entries >= maxEntries {
		u.stopped = true
		u.warnings = append(u.warnings, fmt.Sprintf("more than %d members: the rest were not scanned", maxEntries))
		return
	}
	u.entries++
	room := e.cfg.MaxBytes - u.total
	if room <= 0 {
		u.stopped = true
		u.warnings = append(u.warnings, fmt.Sprintf("it decodes to more than --max-bytes %d in all (a zip bomb?): the rest was not scanned", e.cfg.MaxBytes))
		return
	}
	lr := &io.LimitedReader{R: en.Body, N: room}
	cr := &countingReader{r: lr}
	body, kind := sniff(cr)
	defer func() { u.total += cr.n }()
	if kind != archive.None {
		if depth+1 < maxArchiveDepth {
			if err := e.scanArchive(w, kind, body, nil, mloc, u, depth+1); err != nil {
				u.note(mloc.Target + ": " + err.Error())
			}
			return
		}
		u.note(fmt.Sprintf("%s: an archive nested deeper than %d: scanned as bytes", mloc.Target, maxArchiveDepth))
	}
	ck := crawl.Classify(&url.URL{Path: "/" + en.Name}, "")
	if ck == crawl.Binary && !e.cfg.ScanBinary && kind == archive.None {
		u.skipped++
		return
	}
	b, err := e.scanStream(w, body, ck, nil, mloc, false, nil)
	u.found += b.found
	if err != nil {
		u.note(fmt.Sprintf("%s: read failed: %v", mloc.Target, err))
	}
	if lr.N == 0 {
		if n, _ := io.CopyN(io.Discard, en.Body, 1); n > 0 {
			u.stopped = true
			u.warnings = append(u.warnings, fmt.Sprintf("it decodes to more than --max-bytes %d in all (a zip bomb?): %s and what follows were not scanned to the end", e.cfg.MaxBytes, mloc.Target))
		}
	}
}

// archiveWarnings is what an archive's scan says about it.
func (u *unpacking) archiveWarnings() []string {
	out := append([]string(nil), u.warnings...)
	out = append(out, u.notes...)
	if u.dropped > 0 {
		out = append(out, fmt.Sprintf("%d more notes about its members were not listed", u.dropped))
	}
	if u.skipped > 0 {
		out = append(out, fmt.Sprintf("%d binary members (images, fonts, wasm…) not scanned; --scan-binary scans them", u.skipped))
	}
	return out
}
