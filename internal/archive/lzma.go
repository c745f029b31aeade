package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// LZMA (the format before xz, "LZMA alone"): a zip member of method 14,
// an old .rpm's payload. XZ Embedded reads only LZMA2, so this is
// github.com/ulikunitz/xz's decoder: slow (BENCHMARKS), and rare here.
// Its window is the dictionary its properties name.

// lzmaWindow is the dictionary the five property bytes name, no larger
// than the content when its size is known.
func lzmaWindow(props []byte, size int64) (int64, error) {
	if len(props) < 5 || props[0] >= 9*5*5 {
		return 0, errors.New("no valid LZMA properties")
	}
	d := int64(binary.LittleEndian.Uint32(props[1:5]))
	if d > MaxWindow {
		return d, nil // refused by take
	}
	if size >= 0 && size < d {
		d = size
	}
	return max(d, lzma.MinDictCap), nil
}

// openLZMA decodes an LZMA stream from its properties and data, of size
// bytes decoded (-1: up to its end marker).
func (s *Session) openLZMA(props []byte, data io.Reader, size int64) (io.ReadCloser, func(), error) {
	w, err := lzmaWindow(props, size)
	if err != nil {
		return nil, nil, notOpened(Lzma, "%v", err)
	}
	release, err := s.take(Lzma, w)
	if err != nil {
		return nil, nil, err
	}
	var h [13]byte
	copy(h[:5], props)
	binary.LittleEndian.PutUint64(h[5:], uint64(size))
	r, err := lzma.ReaderConfig{DictCap: int(max(int64(binary.LittleEndian.Uint32(props[1:5])), lzma.MinDictCap))}.NewReader(io.MultiReader(bytes.NewReader(h[:]), data))
	if err != nil {
		release()
		return nil, nil, notOpened(Lzma, "%v", err)
	}
	return &decoded{k: Lzma, c: &codec{}, rc: nopCloser{r}}, release, nil
}
