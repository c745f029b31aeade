package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cratesguard/cratesguard/internal/findings"
)

// WriteSARIF writes the report's SARIF to path atomically (a temp file
// renamed into place: a reader never sees half a file, a shorter rewrite
// leaves no stale bytes). The results stream out one at a time, each
// redacted by safe.JSON: 25,000 of them cost no more memory than one. The
// directory must exist.
//
// A path that is a symbolic link is written through (the file it leads to
// is replaced, the link kept); a named pipe or a device (/dev/stdout) is
// written to directly, never replaced by a file.
func WriteSARIF(path string, r *findings.Report, opts SARIFOptions) (SARIFCut, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real // a link to a file: that file, replaced atomically
		} else {
			return writeDirect(path, r, opts) // /dev/stdout -> /proc/self/fd/1 -> pipe:[…]
		}
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return writeDirect(path, r, opts)
	}
	// Most reports fit: they are written once, their compressed size
	// watched. One that does not is sized result by result, then written
	// again, cut.
	n := len(r.Findings)
	cut := SARIFCut{Total: n, Results: n, Related: n}
	err := writeAtomic(path, func(w io.Writer) error { return encodeSARIF(w, r, opts, cut, true) })
	if errors.Is(err, errOverBudget) {
		if cut, err = planSARIF(r, opts); err == nil {
			err = writeAtomic(path, func(w io.Writer) error { return encodeSARIF(w, r, opts, cut, false) })
		}
	}
	return cut, err
}

// writeDirect writes to what path opens as, truncating it: a pipe, a
// device, what a link to /proc/self/fd leads to. The report is planned to
// GitHub's size first: a stream cannot be written twice.
func writeDirect(path string, r *findings.Report, opts SARIFOptions) (SARIFCut, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return SARIFCut{}, fmt.Errorf("writing %s: %v", path, err)
	}
	cut, err := EncodeSARIFTo(f, r, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cut, fmt.Errorf("writing %s: %v", path, err)
	}
	return cut, nil
}

// writeAtomic writes path through a temp file in the same directory,
// renamed into place once write succeeded.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cratesguard-*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}
