package archive

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cpio, the "newc" format (and its CRC twin): an .rpm's payload, a Linux
// initramfs. A member is a 110-byte header of hex fields, its name, its
// bytes, each padded to four; "TRAILER!!!" ends the archive.
func isCpio(b []byte) bool {
	if len(b) < 110 || string(b[:5]) != "07070" || b[5] != '1' && b[5] != '2' {
		return false
	}
	for _, c := range b[6:110] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// maxCpioName bounds a member's name (Linux's PATH_MAX is 4096).
const maxCpioName = 64 << 10

type cpioReader struct {
	r     *bufio.Reader
	ended bool // past its trailer
	body  *io.LimitedReader
	pad   int
	close func()
}

func openCpio(_ *Session, r io.Reader, _ io.ReaderAt, _ int64, _ string) (Reader, error) {
	return &cpioReader{r: bufio.NewReaderSize(r, 64<<10)}, nil
}

func (c *cpioReader) Close() {
	if c.close != nil {
		c.close()
		c.close = nil
	}
}

func pad4(n int64) int { return int((4 - n%4) % 4) }

func (c *cpioReader) Next() (*Entry, error) {
	if c.ended {
		return nil, io.EOF
	}
	for {
		if c.body != nil {
			if _, err := io.Copy(io.Discard, c.body); err != nil {
				return nil, err
			}
			if _, err := c.r.Discard(c.pad); err != nil {
				return nil, err
			}
			c.body = nil
		}
		var h [110]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("the archive ends without its trailer")
			}
			return nil, fmt.Errorf("a member header cut short: %w", err)
		}
		if !isCpio(h[:]) {
			return nil, fmt.Errorf("a member header that is not one")
		}
		field := func(i int) int64 {
			v, _ := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			return int64(v)
		}
		mode, size, nameSize := field(1), field(6), field(11)
		if nameSize < 1 || nameSize > maxCpioName {
			return nil, fmt.Errorf("a member name of %d bytes", nameSize)
		}
		nb := make([]byte, nameSize)
		if _, err := io.ReadFull(c.r, nb); err != nil {
			return nil, fmt.Errorf("a member name cut short: %w", err)
		}
		if _, err := c.r.Discard(pad4(110 + nameSize)); err != nil {
			return nil, err
		}
		name := strings.TrimRight(string(nb), "\x00")
		if name == "TRAILER!!!" {
			c.ended = true
			return afterEnd(Cpio, c.r)
		}
		c.body, c.pad = &io.LimitedReader{R: c.r, N: size}, pad4(size)
		e := &Entry{Name: name, Warn: climbs(name), Meta: meta(name)}
		switch mode & 0o170000 {
		case 0o100000:
			e.Body = c.body
		case 0o040000:
			continue
		case 0o120000:
			e.Skip = "a symbolic link: not followed"
		default:
			e.Skip = fmt.Sprintf("not a regular file (mode %o)", mode)
		}
		return e, nil
	}
}
