package archive

import (
	"bytes"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
)

// zlib (RFC 1950): DEFLATE behind two bytes. Two bytes are a weak magic
// ("x^" begins text too), so a head is taken for zlib only when its start
// inflates.
var zlibCodec = &codec{
	window: fixedWindow(0),
	reader: func(r io.Reader, _ int64) (io.ReadCloser, error) { return zlib.NewReader(r) },
}

func isZlib(b []byte) bool {
	if len(b) < 3 || b[0] != 0x78 || (b[1] != 0x01 && b[1] != 0x5e && b[1] != 0x9c && b[1] != 0xda) {
		return false
	}
	fr := flate.NewReader(bytes.NewReader(b[2:]))
	defer fr.Close()
	var out [512]byte
	n, err := io.ReadFull(fr, out[:])
	return n > 0 && (err == nil || err == io.EOF || err == io.ErrUnexpectedEOF)
}
