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

// Reader yields an archive's entries. Next returns io.EOF after the last.
type Reader interface {
	Next() (*Entry, error)
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
		br := bufio.NewReaderSize(gz, 64<<10)
		head, _ := br.Peek(SniffLen)
		if Sniff(head) == Tar {
			return &tarReader{tr: tar.NewReader(br)}, nil
		}
		inner := strings.TrimSuffix(path.Base(name), path.Ext(name))
		if inner == "" || inner == "." || inner == "/" {
			inner = "content"
		}
		return &single{e: &Entry{Name: inner, Body: br}}, nil
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
		return &zipReader{files: zr.File}, nil
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
	e    *Entry
	done bool
}

func (s *single) Next() (*Entry, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	return s.e, nil
}

type tarReader struct{ tr *tar.Reader }

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

type zipReader struct {
	files []*zip.File
	open  io.ReadCloser
}

func (z *zipReader) Next() (*Entry, error) {
	if z.open != nil {
		z.open.Close()
		z.open = nil
	}
	for len(z.files) > 0 {
		f := z.files[0]
		z.files = z.files[1:]
		mode := f.Mode()
		e := &Entry{Name: f.Name, Warn: climbs(f.Name)}
		switch {
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			continue
		case mode&fs.ModeSymlink != 0:
			e.Skip = "a symbolic link: not followed"
			return e, nil
		case f.Flags&1 != 0:
			e.Skip = "encrypted: its content cannot be read"
			return e, nil
		}
		rc, err := f.Open()
		if err != nil {
			e.Skip = "cannot be read: " + err.Error()
			return e, nil
		}
		z.open, e.Body = rc, rc
		return e, nil
	}
	return nil, io.EOF
}
