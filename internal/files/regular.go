package files

import (
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
)

// Kind names what a non-regular file is, for a reason: "a named pipe
// (FIFO)", "a device", "a socket", "a directory".
func Kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// ReadRegular reads the file at path, at most max bytes of it, when it is
// a regular file: a named pipe, a device (/dev/urandom) or a socket is
// refused, without waiting on it (it is opened so that opening cannot
// block). When within is set, the file's real path (symbolic links
// resolved) must be inside within's: a link in a checkout that leads out
// of it is not followed. What a repository holds (a .gitignore, an ignore
// file, a Cargo.toml) is read this way.
func ReadRegular(path, within string, max int64) ([]byte, error) {
	if within != "" {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, err
		}
		root, err := filepath.EvalSymlinks(within)
		if err != nil {
			return nil, err
		}
		if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%s is a symbolic link to %s, outside %s: not followed", path, real, within)
		}
	}
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d read of it", path, fi.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s grew past the %d bytes read of it", path, max)
	}
	return b, nil
}
