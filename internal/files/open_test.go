package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenIsOsOpen: Open reads what os.Open reads, and fails as it does,
// with the same error.
func TestOpenIsOsOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.js")
	os.WriteFile(path, []byte("var a = 1;\n"), 0o644)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, _ := f.Read(b)
	fi, serr := f.Stat()
	if string(b[:n]) != "var a = 1;\n" || serr != nil || fi.Size() != int64(n) || f.Close() != nil {
		t.Errorf("read %q, stat %v", b[:n], serr)
	}
	missing := filepath.Join(dir, "missing.js")
	_, err = Open(missing)
	_, want := os.Open(missing)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != want.Error() {
		t.Errorf("a missing file: %v, os.Open says %v", err, want)
	}
}
