package archive

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/mikelolasagasti/xz"
)

// xz: cargo-dist's default .tar.xz, a .deb's data.tar.xz, an .rpm's
// payload, a zip member of method 95. The decoder is a port of XZ
// Embedded (github.com/mikelolasagasti/xz, kept by Fedora's Go packager;
// 0.9-1x xz(1)'s speed here, where github.com/ulikunitz/xz is a tenth of
// it: BENCHMARKS). Its window is the LZMA2 dictionary the first block's
// header names (xz -9: 64 MiB); a later block asking for more is not
// decoded.
var xzCodec = &codec{
	headLen: 12 + 1024, // stream header, then the largest block header
	window:  xzWindow,
	reader: func(r io.Reader, window int64) (io.ReadCloser, error) {
		zr, err := xz.NewReader(r, uint32(max(window, 4096)))
		if err != nil {
			return nil, err
		}
		return nopCloser{zr}, nil
	},
	overWindow: func(err error) bool { return errors.Is(err, xz.ErrMemlimit) },
}

func isXz(b []byte) bool { return len(b) >= 6 && string(b[:6]) == "\xfd7zXZ\x00" }

// xzWindow reads the dictionary size from the first block header's LZMA2
// filter (the xz file format, sections 2.1.1 and 5.3.1).
func xzWindow(head []byte) (int64, error) {
	if len(head) < 13 {
		return 0, errors.New("it ends inside its header")
	}
	b := head[12:]
	if b[0] == 0 { // the index: a stream with no blocks
		return 0, nil
	}
	size := (int(b[0]) + 1) * 4
	if len(b) < size {
		return 0, errors.New("it ends inside its first block header")
	}
	b = b[1:size]
	flags := b[0]
	b = b[1:]
	varint := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} { // compressed, uncompressed size
		if present {
			if _, ok := varint(); !ok {
				return 0, errors.New("a block header that cannot be read")
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(b)) {
			return 0, errors.New("a block header that cannot be read")
		}
		props := b[:n]
		b = b[n:]
		if id != 0x21 {
			continue // BCJ, delta: no window of their own to speak of
		}
		if len(props) != 1 || props[0] > 40 {
			return 0, errors.New("an LZMA2 filter with no valid dictionary size")
		}
		if props[0] == 40 {
			return 1<<32 - 1, nil
		}
		return int64(2|props[0]&1) << (props[0]/2 + 11), nil
	}
	return 0, errors.New("no LZMA2 filter in its first block")
}
