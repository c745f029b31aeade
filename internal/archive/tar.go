package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"slices"
)

// tar: GNU and PAX long names, PAX records, and sparse files (their holes
// read as zeros) are Go's archive/tar's; type '7' (contiguous) is a
// regular file, as GNU tar reads it.
type tarReader struct {
	tr    *tar.Reader
	raw   io.Reader // under tr: what follows the end marker is read from it
	ended bool
	close func()
}

func newTar(r io.Reader) *tarReader { return &tarReader{tr: tar.NewReader(r), raw: r} }

func isTar(b []byte) bool { return len(b) >= 262 && string(b[257:262]) == "ustar" }

func openTar(_ *Session, r io.Reader, _ io.ReaderAt, _ int64, _ string) (Reader, error) {
	return newTar(r), nil
}

func (t *tarReader) Close() {
	if t.close != nil {
		t.close()
		t.close = nil
	}
}

func (t *tarReader) Next() (*Entry, error) {
	for {
		h, err := t.tr.Next()
		if err == io.EOF && !t.ended {
			t.ended = true
			return afterEnd(Tar, t.raw)
		}
		if err != nil {
			return nil, err
		}
		e := &Entry{Name: h.Name, Warn: climbs(h.Name), Meta: tarMeta(h)}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
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

// tarMeta is what a tar header says besides the content: name, link
// target, owner names, PAX records (a comment among them), sorted.
func tarMeta(h *tar.Header) string {
	recs := make([]string, 0, len(h.PAXRecords))
	for k, v := range h.PAXRecords {
		recs = append(recs, k+"="+v)
	}
	slices.Sort(recs)
	return meta(append([]string{h.Name, h.Linkname, h.Uname, h.Gname}, recs...)...)
}
