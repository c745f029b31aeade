package archive

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/klauspost/compress/zstd"
)

// zstd: a .tar.zst (cargo-dist's option), a .deb's data.tar.zst (Debian's
// and Ubuntu's default now), an .rpm's payload (Fedora's default), a zip
// member of method 93. Its window is the one the first frame's header
// names; a later frame asking for more is not decoded.
var zstdCodec = &codec{
	headLen: 18, // magic, descriptor, window, dictionary ID, content size
	window:  zstdWindow,
	reader: func(r io.Reader, window int64) (io.ReadCloser, error) {
		w := uint64(max(window, zstd.MinWindowSize))
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(w), zstd.WithDecoderMaxMemory(w))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	},
	overWindow: func(err error) bool {
		return errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded)
	},
}

func isZstd(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "\x28\xb5\x2f\xfd" }

// zstdWindow reads the window a frame header names (RFC 8878, 3.1.1.1): a
// single-segment frame's window is its content.
func zstdWindow(head []byte) (int64, error) {
	if len(head) < 6 {
		return 0, errors.New("it ends inside its frame header")
	}
	fhd := head[4]
	if fhd&0x20 == 0 { // a window descriptor
		exp, mant := int64(head[5]>>3), int64(head[5]&7)
		base := int64(1) << (10 + exp)
		return base + base/8*mant, nil
	}
	at := 5 + [...]int{0, 1, 2, 4}[fhd&3] // past the dictionary ID
	n := [...]int{1, 2, 4, 8}[fhd>>6]
	if len(head) < at+n {
		return 0, errors.New("it ends inside its frame header")
	}
	b := head[at : at+n]
	switch n {
	case 1:
		return int64(b[0]), nil
	case 2:
		return int64(binary.LittleEndian.Uint16(b)) + 256, nil
	case 4:
		return int64(binary.LittleEndian.Uint32(b)), nil
	}
	v := binary.LittleEndian.Uint64(b)
	if v > 1<<40 {
		return 1 << 40, nil
	}
	return int64(v), nil
}
