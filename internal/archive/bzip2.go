package archive

import (
	"compress/bzip2"
	"errors"
	"io"
)

// bzip2: a .tar.bz2, a .deb's data.tar.bz2, a zip member of method 12.
// Go's own decoder: as fast as bzip2(1) here (BENCHMARKS); it reads
// concatenated streams (pbzip2) as one. Its window is the block the
// header's level names (100-900 kB), four bytes an input byte.
var bzip2Codec = &codec{
	headLen: 4,
	window: func(head []byte) (int64, error) {
		if len(head) < 4 || head[3] < '1' || head[3] > '9' {
			return 0, errors.New("no block size in its header")
		}
		return 4*int64(head[3]-'0')*100_000 + 64<<10, nil
	},
	reader: func(r io.Reader, _ int64) (io.ReadCloser, error) { return nopCloser{bzip2.NewReader(r)}, nil },
}

// isBzip2: "BZh", the block size, then a block's magic (pi) or the end of
// stream's (sqrt pi) magic.
func isBzip2(b []byte) bool {
	if len(b) < 10 || b[0] != 'B' || b[1] != 'Z' || b[2] != 'h' || b[3] < '1' || b[3] > '9' {
		return false
	}
	m := string(b[4:10])
	return m == "\x31\x41\x59\x26\x53\x59" || m == "\x17\x72\x45\x38\x50\x90"
}
