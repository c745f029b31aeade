// Package archive opens what a release publishes (a .crate, a .tar.xz, a
// .zip, a .deb, an .rpm, a bare .zst) as a stream of entries, so that each
// entry can be scanned as its own part. It is a decoding stage beside
// fetch's content decoding: it knows nothing of tokens, HTTP or reports.
//
// Formats are told by their magic bytes, never by a name (Sniff). There
// are two sorts, one file each: streams (gzip, bzip2, xz, zstd, lz4,
// zlib), one stream of bytes in and one out, read as a tar when a tar
// comes out and as a single entry otherwise; and containers (tar, zip, ar,
// rpm, cpio), whose members are entries. What is recognised but cannot be
// read (an encrypted member, an unknown method, a window past the memory
// budget, a 7z) is said so with a *NotOpenedError or an Entry's Unread,
// never passed off as read. Every limit is the caller's to set or a
// bound of this package, and every cut is returned; entries are never
// extracted to disk, so names that climb out (../, absolute) and links
// are reported, never followed.
package archive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is an archive or compression format, recognised by its magic bytes.
type Kind int

// Formats, in the order Sniff tries them.
const (
	None Kind = iota
	Gzip
	Bzip2
	Xz
	Zstd
	Lz4
	Zlib
	Tar
	Zip
	Ar
	Rpm
	Cpio
	SevenZip
	Lzma // LZMA alone: no magic of its own, named by its container
)

func (k Kind) String() string {
	if k > None && int(k) < len(formats) {
		return formats[k].name
	}
	return "none"
}

// Stream says whether k is a compression format (one stream in, one out).
func (k Kind) Stream() bool { return k > None && int(k) < len(formats) && formats[k].codec != nil }

// format is what this package knows of a Kind: its name, how to tell it
// from its first bytes, and how to read it (a stream's codec, or a
// container's opener).
type format struct {
	name  string
	magic func(head []byte) bool
	codec *codec
	open  func(s *Session, r io.Reader, ra io.ReaderAt, size int64, name string) (Reader, error)
}

var formats []format

func init() {
	formats = []format{
		None:     {name: "none"},
		Gzip:     {name: "gzip", magic: isGzip, codec: gzipCodec},
		Bzip2:    {name: "bzip2", magic: isBzip2, codec: bzip2Codec},
		Xz:       {name: "xz", magic: isXz, codec: xzCodec},
		Zstd:     {name: "zstd", magic: isZstd, codec: zstdCodec},
		Lz4:      {name: "lz4", magic: isLz4, codec: lz4Codec},
		Zlib:     {name: "zlib", magic: isZlib, codec: zlibCodec},
		Tar:      {name: "tar", magic: isTar, open: openTar},
		Zip:      {name: "zip", magic: isZip, open: openZip},
		Ar:       {name: "ar", magic: isAr, open: openAr},
		Rpm:      {name: "rpm", magic: isRpm, open: openRpm},
		Cpio:     {name: "cpio", magic: isCpio, open: openCpio},
		SevenZip: {name: "7z", magic: is7z, open: open7z},
		Lzma:     {name: "lzma"},
	}
}

// SniffLen is how many leading bytes Sniff needs to tell every format.
const SniffLen = 262

// sniffOrder tries strong magics first; zlib's two bytes come last.
var sniffOrder = []Kind{Rpm, Ar, SevenZip, Zip, Gzip, Bzip2, Xz, Zstd, Lz4, Cpio, Tar, Zlib}

// Sniff names the format of a stream from its first bytes (up to
// SniffLen; fewer tell all but tar).
func Sniff(b []byte) Kind {
	for _, k := range sniffOrder {
		if formats[k].magic(b) {
			return k
		}
	}
	return None
}

// Entry is one member of an archive.
type Entry struct {
	// Name is the member's path inside the archive, as stored (slashes).
	Name string
	// Body reads its decoded content; nil when Skip or Unread is set. A
	// read that fails with a *NotOpenedError met something it cannot
	// decode; any other error is a member cut short.
	Body io.Reader
	// Skip says why a member that holds no content of its own is not read
	// (a link, a device). Unread says why one that does cannot be (it is
	// encrypted, or compressed in a way this package does not decode).
	// Warn flags a name that would climb out of the archive if it were
	// extracted.
	Skip, Unread, Warn string
	// Meta is the text the archive keeps about the member besides its
	// content (its name, a link's target, tar's PAX records and owner
	// names, a zip member's comment), one item a line: read, so scanned.
	Meta string
}

// meta joins what an archive says about a member, a line each.
func meta(items ...string) string {
	var b strings.Builder
	for _, s := range items {
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Reader yields an archive's entries. Next returns io.EOF after the last;
// an entry's Body is read before the next Next. Close lets go of what the
// reader holds (members inflated ahead, its share of the memory budget),
// read to its end or not.
type Reader interface {
	Next() (*Entry, error)
	Close()
}

// NotOpenedError is an archive, stream or member recognised as Format but
// not read: Reason says why (encrypted, an unknown method, a window past
// the memory budget, a format with no decoder here).
type NotOpenedError struct{ Format, Reason string }

func (e *NotOpenedError) Error() string { return e.Format + ": " + e.Reason }

func notOpened(k Kind, format string, a ...any) error {
	return &NotOpenedError{Format: k.String(), Reason: fmt.Sprintf(format, a...)}
}

// IsNotOpened says whether err is (or wraps) a *NotOpenedError, and gives it.
func IsNotOpened(err error) (*NotOpenedError, bool) {
	var no *NotOpenedError
	ok := errors.As(err, &no)
	return no, ok
}

// Open reads the archive of kind k from r in session s (a zip needs ra and
// size, its index being at its end; r is then unused). name is the
// archive's own name, for a bare stream's single entry. An error that is
// a *NotOpenedError says the archive was recognised but not opened.
func (s *Session) Open(k Kind, r io.Reader, ra io.ReaderAt, size int64, name string) (Reader, error) {
	if k <= None || int(k) >= len(formats) {
		return nil, errors.New("not an archive")
	}
	f := formats[k]
	if f.codec != nil {
		return s.openStream(k, r, name)
	}
	return f.open(s, r, ra, size, name)
}

// openStream decodes a compressed stream: a tar if a tar comes out, else
// one entry named after the stream without its extension.
func (s *Session) openStream(k Kind, r io.Reader, name string) (Reader, error) {
	rc, release, err := s.decode(k, r)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	head, _ := br.Peek(SniffLen)
	closer := func() { rc.Close(); release() }
	if isTar(head) {
		t := newTar(br)
		t.close = closer
		return t, nil
	}
	return &single{e: &Entry{Name: innerName(name)}, body: br, close: closer}, nil
}

// innerName is what a bare compressed stream holds: its name without the
// extension ("notes.txt.gz" holds "notes.txt").
func innerName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexAny(name, "/?#"); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if name == "" || name == "." || name == ".." {
		return "content"
	}
	return name
}

// climbs says whether a member name would leave the directory it is
// extracted to.
func climbs(name string) string {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.HasPrefix(n, "/") || len(n) > 1 && n[1] == ':' && ('a' <= n[0]|0x20 && n[0]|0x20 <= 'z'):
		return "an absolute name: it would be extracted outside the target directory"
	case n == ".." || strings.HasPrefix(n, "../") || strings.Contains(n, "/../") || strings.HasSuffix(n, "/.."):
		return "a name with ../: it would be extracted outside the target directory"
	}
	return ""
}

// single is a bare stream's one entry.
type single struct {
	e     *Entry
	body  io.Reader
	done  bool
	close func()
}

func (s *single) Close() {
	if s.close != nil {
		s.close()
		s.close = nil
	}
}

func (s *single) Next() (*Entry, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	s.e.Body = s.body
	return s.e, nil
}

// errReader reads nothing and fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
