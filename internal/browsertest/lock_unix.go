//go:build unix

package browsertest

import (
	"os"

	"golang.org/x/sys/unix"
)

// take locks the first free of the files names, or, when all are held,
// waits for the one at index wait. It returns the func that unlocks it.
// flock locks belong to the open file, so two tests of one process
// exclude each other as two processes do.
func take(names []string, wait int) (func(), error) {
	files := make([]*os.File, len(names))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, name := range names {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			return nil, err
		}
		files[i] = f
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			files[i] = nil
			return func() { f.Close() }, nil
		}
	}
	f := files[wait]
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err == nil {
			files[wait] = nil
			return func() { f.Close() }, nil
		}
		if err != unix.EINTR {
			return nil, err
		}
	}
}
