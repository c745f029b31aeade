package archive

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ar: a .deb is one (debian-binary, control.tar.*, data.tar.*), as are
// static libraries. Members are 60-byte headers and their bytes, padded
// to an even length; GNU long names come from a "//" member, BSD ones
// ("#1/N") from the first N bytes of the member's own.
func isAr(b []byte) bool { return len(b) >= 8 && string(b[:8]) == "!<arch>\n" }

// maxArNames bounds the GNU long-name table, which is read whole.
const maxArNames = 1 << 20

type arReader struct {
	r     *bufio.Reader
	names []byte // GNU long names
	body  *io.LimitedReader
	pad   bool // the member being read has a padding byte after it
}

func openAr(_ *Session, r io.Reader, _ io.ReaderAt, _ int64, _ string) (Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Discard(8); err != nil {
		return nil, err
	}
	return &arReader{r: br}, nil
}

func (a *arReader) Close() {}

func (a *arReader) Next() (*Entry, error) {
	for {
		if a.body != nil { // what the last member left unread, and its padding
			if _, err := io.Copy(io.Discard, a.body); err != nil {
				return nil, err
			}
			if a.pad {
				a.r.Discard(1)
			}
			a.body = nil
		}
		var h [60]byte
		if _, err := io.ReadFull(a.r, h[:]); err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("a member header cut short: %w", err)
		}
		if h[58] != '`' || h[59] != '\n' {
			return nil, fmt.Errorf("a member header without its end marker")
		}
		size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("a member header with no valid size")
		}
		a.body, a.pad = &io.LimitedReader{R: a.r, N: size}, size%2 == 1
		name := strings.TrimRight(string(h[:16]), " ")
		switch {
		case name == "/" || name == "/SYM64/" || name == "__.SYMDEF" || name == "__.SYMDEF SORTED":
			continue // the symbol table
		case name == "//":
			if size > maxArNames {
				return nil, fmt.Errorf("a long-name table of %d bytes, more than %d", size, maxArNames)
			}
			if a.names, err = io.ReadAll(a.body); err != nil {
				return nil, err
			}
			continue
		case strings.HasPrefix(name, "#1/"): // BSD: the name leads the data
			n, err := strconv.Atoi(name[3:])
			if err != nil || n < 0 || int64(n) > size || n > 4096 {
				return nil, fmt.Errorf("a BSD long name that cannot be read")
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(a.body, b); err != nil {
				return nil, err
			}
			name = string(bytes.TrimRight(b, "\x00"))
		case len(name) > 1 && name[0] == '/' && name[1] >= '0' && name[1] <= '9': // GNU: an offset in "//"
			off, err := strconv.Atoi(name[1:])
			if err != nil || off >= len(a.names) {
				return nil, fmt.Errorf("a long name outside the name table")
			}
			n := a.names[off:]
			if i := bytes.Index(n, []byte("/\n")); i >= 0 {
				n = n[:i]
			} else if i := bytes.IndexByte(n, '\n'); i >= 0 {
				n = n[:i]
			}
			name = string(n)
		default:
			name = strings.TrimSuffix(name, "/") // GNU ends short names with '/'
		}
		return &Entry{Name: name, Body: a.body, Warn: climbs(name), Meta: meta(name)}, nil
	}
}
