//go:build !unix

package files

import (
	"io"
	"os"
)

// Window reads n bytes of f from off (where files cannot be mapped).
func Window(f *os.File, off, n int64) ([]byte, func(), error) {
	b := make([]byte, n)
	k, err := f.ReadAt(b, off)
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
	return b[:k], func() {}, nil
}
