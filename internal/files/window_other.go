//go:build !unix

package files

import (
	"fmt"
	"io"
	"os"
)

// Mapping reads a file window by window where files cannot be mapped.
type Mapping struct{ f *os.File }

// Map readies f for Window.
func Map(f *os.File, size int64) (*Mapping, error) { return &Mapping{f: f}, nil }

// Window reads bytes [off, off+n) of the file.
func (mp *Mapping) Window(off, n int64) ([]byte, func(), error) {
	b := make([]byte, n)
	k, err := mp.f.ReadAt(b, off)
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
	return b[:k], func() {}, nil
}

// Drop does nothing: a window read is the caller's memory.
func (mp *Mapping) Drop(off, n int64) {}

// Close does nothing.
func (mp *Mapping) Close() {}

// Mapped says whether Map maps files: not here, where each window is read
// into memory of its own.
const Mapped = false

// Open is os.Open.
func Open(path string) (*os.File, error) { return os.Open(path) }

// openRegular opens path and refuses what is not a regular file.
func openRegular(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is %s, not a regular file: not read", path, Kind(fi.Mode()))
		}
		return nil, err
	}
	return f, nil
}
