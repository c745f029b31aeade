//go:build unix

package files

import (
	"os"
	"syscall"
)

// Window maps n bytes of f from off, read-only, and returns them with the
// function that unmaps them: no copy, and no memory of the process's own
// beyond the page tables (the pages are the file's, in the page cache).
// Reading past the file's end, if it shrank since, faults: run readers of
// a window with debug.SetPanicOnFault.
func Window(f *os.File, off, n int64) ([]byte, func(), error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	page := int64(os.Getpagesize())
	start := off / page * page
	m, err := syscall.Mmap(int(f.Fd()), start, int(off-start+n), syscall.PROT_READ, syscall.MAP_SHARED|mapPopulate)
	if err != nil {
		return nil, nil, err
	}
	return m[off-start:], func() { syscall.Munmap(m) }, nil
}
