// Reading a file target: in place where it can be, streamed where it is
// an archive or a program carrying one; a binary one (an image, a font)
// skipped as a URL's or a member's is.

package scan

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/files"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// readFile scans a file named as a target, or one of a directory target,
// and records how it ended (a file of a directory counts with it, unless it
// failed or has something to say).
func (e *engine) readFile(sc *worker, j job) {
	begun := time.Now()
	t := findings.Target{Target: j.file.Path, Order: j.order, Start: j.start}
	kind := crawl.Classify(&url.URL{Path: filepath.ToSlash(j.file.Path)}, "")
	t.Content = kind.String()
	loc := findings.Location{Target: j.file.Path, Order: j.order}
	f, err := files.Open(j.file.Path)
	if err == nil && kind == crawl.Binary && !e.cfg.ScanBinary && !scannable(f) {
		// An image, a font, a video, as a URL or a member is: skipped,
		// unless its bytes say it is an archive or WebAssembly.
		f.Close()
		e.skipBinary(j, &t)
		return
	}
	if err != nil {
		t.State, t.Reason = findings.Failed, err.Error()
	} else if ok, size, err := e.scanFile(sc, f, kind, func(m detect.Match) { e.coll.Add(m, loc) }); ok {
		// In place; a large one in windows, on every core.
		f.Close()
		t.Bytes, t.Duration, t.State = size, time.Since(begun), findings.Scanned
		t.Warnings, sc.notes = sc.notes, nil
		if err != nil {
			t.State, t.Reason = findings.Failed, err.Error()
		}
	} else {
		cr := &countingReader{r: f}
		b, err := e.scanBody(sc, cr, kind, linksAt{}, loc, nil)
		f.Close()
		t.Bytes, t.Duration, t.Warnings = cr.n, time.Since(begun), b.warnings
		switch {
		case err != nil:
			t.State, t.Reason = findings.Failed, fmt.Sprintf("read failed after %d bytes: %v", cr.n, err)
		case cr.n == 0 && j.start:
			t.State, t.Reason = findings.Failed, "the file is empty: nothing was scanned"
		default:
			t.State = findings.Scanned
		}
		b.unread(&t)
	}
	d, inDir := e.dirs[j.order]
	if !inDir {
		e.coll.AddTarget(t)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.State == findings.Scanned {
		d.Files++
		d.Bytes += t.Bytes
		if len(t.Warnings) == 0 && t.UnopenedCount == 0 {
			return
		}
		t.Counted = true // listed for its warnings; counted with its directory
	}
	e.coll.AddTarget(t) // files of a directory are listed only when they fail or warn
}

// scannable says whether a file named as binary holds what is scanned
// whatever its name: an archive, a program with a zip appended, wasm.
func scannable(f *os.File) bool {
	head := make([]byte, archive.SniffLen)
	n, _ := f.ReadAt(head, 0)
	fi, err := f.Stat()
	return bytes.HasPrefix(head[:n], []byte(wasmMagic)) || err == nil && opens(head[:n], f, fi.Size())
}

// skipBinary ends a binary file: a start target of its own is skipped
// with the reason; one of a directory is counted there, and its directory
// says how many were passed over.
func (e *engine) skipBinary(j job, t *findings.Target) {
	reason := "binary content (" + filepath.Ext(j.file.Path) + "); --scan-binary scans it"
	e.mu.Lock()
	_, inDir := e.dirs[j.order]
	if inDir {
		e.binaries[j.order]++
	}
	e.mu.Unlock()
	if !inDir {
		t.State, t.Reason = findings.Skipped, reason
		e.coll.AddTarget(*t)
	}
}
