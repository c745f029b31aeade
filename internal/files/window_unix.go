//go:build unix

package files

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Mapping is a file mapped read-only, whole, to be read window by window:
// no copy, and no memory of the process's own beyond page tables (the
// pages are the file's, in the page cache). Reading past the file's end,
// if it shrank since, faults: run readers with debug.SetPanicOnFault.
type Mapping struct {
	m    []byte // starts on a page boundary
	page int64
}

// Map maps the first size bytes of f.
func Map(f *os.File, size int64) (*Mapping, error) {
	if size == 0 {
		return &Mapping{}, nil
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return &Mapping{m: m, page: int64(os.Getpagesize())}, nil
}

// Window returns bytes [off, off+n) with the function that lets their
// pages go once read (a neighbouring window faults them back in): the
// mapping's share of the process's memory stays at the windows in use.
// Pages are mapped as they are read, 64 KiB a fault on Linux: measured
// faster here than populating a window in one call (MADV_POPULATE_READ).
func (mp *Mapping) Window(off, n int64) ([]byte, func(), error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	lo := off / mp.page * mp.page // whole pages around the window
	hi := min((off+n+mp.page-1)/mp.page*mp.page, int64(len(mp.m)))
	return mp.m[off : off+n], func() { _ = unix.Madvise(mp.m[lo:hi], unix.MADV_DONTNEED) }, nil
}

// Drop lets the pages wholly inside bytes [off, off+n) go: read, and not
// needed again (a later read faults them back in).
func (mp *Mapping) Drop(off, n int64) {
	lo := (off + mp.page - 1) / mp.page * mp.page
	hi := min((off+n)/mp.page*mp.page, int64(len(mp.m)))
	if hi > lo {
		_ = unix.Madvise(mp.m[lo:hi], unix.MADV_DONTNEED)
	}
}

// Close unmaps the file.
func (mp *Mapping) Close() {
	if mp.m != nil {
		_ = unix.Munmap(mp.m)
		mp.m = nil
	}
}

// Mapped says whether Map maps files (else each window is read).
const Mapped = true

// Open opens the file at path to read, as os.Open does but for Go's
// network poller: a file's reads never wait on it, and os.Open's attempt
// to register it there (the descriptor made non-blocking, refused, made
// blocking again) is five system calls a file, more than the one that
// reads a small file whole. Opening blocks as os.Open's does.
func Open(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openRegular opens path when it is a regular file. It opens without
// blocking (a named pipe's open waits for a writer) and checks what it
// opened before anything is read from it.
func openRegular(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, notRegular(path, uint32(st.Mode))
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// notRegular says what the file of unix mode m is.
func notRegular(path string, m uint32) error {
	kind := "not a regular file"
	switch m & unix.S_IFMT {
	case unix.S_IFIFO:
		kind = "a named pipe (FIFO)"
	case unix.S_IFCHR, unix.S_IFBLK:
		kind = "a device"
	case unix.S_IFSOCK:
		kind = "a socket"
	case unix.S_IFDIR:
		kind = "a directory"
	}
	return fmt.Errorf("%s is %s, not a regular file: not read", path, kind)
}
