package archive

import (
	"errors"
	"io"

	"github.com/pierrec/lz4/v4"
)

// lz4 frames (.tar.lz4, lz4(1)'s default). Its window is two blocks of the
// size the frame descriptor names (64 KiB to 4 MiB).
var lz4Codec = &codec{
	headLen: 6,
	window: func(head []byte) (int64, error) {
		if len(head) < 6 {
			return 0, errors.New("it ends inside its frame descriptor")
		}
		bd := (head[5] >> 4) & 7
		if bd < 4 {
			return 0, errors.New("a frame descriptor with no valid block size")
		}
		return 2 * int64(64<<10) << (2 * (bd - 4)), nil
	},
	reader: func(r io.Reader, _ int64) (io.ReadCloser, error) {
		zr := lz4.NewReader(r)
		if err := zr.Apply(lz4.ConcurrencyOption(1)); err != nil {
			return nil, err
		}
		return nopCloser{zr}, nil
	},
}

func isLz4(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "\x04\x22\x4d\x18" }
