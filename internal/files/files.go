// Package files lists the local files a path target stands for: a walk that
// skips .git, follows no symlinks and applies doublestar include and exclude
// globs to paths relative to the target. It also maps a large file for
// reading in place, window by window (Mapping).
package files

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bmatcuk/doublestar/v4"
)

// Entry is a file to scan, or one passed over with a reason.
type Entry struct {
	Path   string // as opened: the target joined with Rel
	Rel    string // slash-separated, relative to the target
	Skip   string // non-empty when the file is not scanned, saying why
	Failed bool   // the entry could not be read (Skip says why)
}

// Filter holds include and exclude globs. An empty Include takes everything;
// Exclude wins over Include.
type Filter struct{ Include, Exclude []string }

// Match reports whether the slash-separated relative path passes.
func (f Filter) Match(rel string) bool {
	for _, p := range f.Exclude {
		if ok, _ := doublestar.Match(p, rel); ok {
			return false
		}
	}
	if len(f.Include) == 0 {
		return true
	}
	for _, p := range f.Include {
		if ok, _ := doublestar.Match(p, rel); ok {
			return true
		}
	}
	return false
}

// Walk calls fn for every file under root (or root itself if it is a file)
// that passes the filter, and for everything it could not read or will not
// follow. Files filtered out by the globs are not reported one by one.
func Walk(root string, filter Filter, fn func(Entry)) error {
	info, err := os.Lstat(root)
	if err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		// A symlink named explicitly is what the user asked for: follow it once.
		if info, err = os.Stat(root); err != nil {
			return err
		}
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is %s, not a regular file or directory: not read", root, Kind(info.Mode()))
		}
		fn(Entry{Path: root, Rel: filepath.Base(root)})
		return nil
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if err != nil {
			fn(Entry{Path: path, Rel: rel, Skip: err.Error(), Failed: true})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			if d.Name() == ".git" {
				return fs.SkipDir
			}
		case d.Type()&fs.ModeSymlink != 0:
			if filter.Match(rel) {
				fn(Entry{Path: path, Rel: rel, Skip: "symbolic link, not followed"})
			}
		case !d.Type().IsRegular():
			// a named pipe would block a read for ever, a device never end
			if filter.Match(rel) {
				fn(Entry{Path: path, Rel: rel, Skip: Kind(d.Type()) + ", not a regular file: not read"})
			}
		case filter.Match(rel):
			fn(Entry{Path: path, Rel: rel})
		}
		return nil
	})
}
