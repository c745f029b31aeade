package archive

import (
	"io"

	"github.com/klauspost/compress/gzip"
)

// gzip (RFC 1952): a .tar.gz, .tgz, .crate, or a bare .gz. Members
// written one after the other (pigz, concatenated files) read as one
// stream. Its window is DEFLATE's 32 KiB.
var gzipCodec = &codec{
	window: fixedWindow(0),
	reader: func(r io.Reader, _ int64) (io.ReadCloser, error) { return gzip.NewReader(r) },
}

func isGzip(b []byte) bool { return len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 }
