//go:build unix

package browsertest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// free says whether a lock on name could be taken now (and drops it).
func free(t *testing.T, name string) bool {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}

// TestSlotsExcludeEachOther: a held slot is held against every other
// open of its file (as another process's would be), the next free one is
// taken instead, and release frees it.
func TestSlotsExcludeEachOther(t *testing.T) {
	dir := t.TempDir()
	names := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
	r1, err := take(names, 0)
	if err != nil {
		t.Fatal(err)
	}
	if free(t, names[0]) {
		t.Fatal("a held slot could be taken again")
	}
	r2, err := take(names, 0)
	if err != nil {
		t.Fatal(err)
	}
	if free(t, names[1]) {
		t.Fatal("the second slot was not the one taken")
	}
	r1()
	if !free(t, names[0]) {
		t.Error("a released slot is still held")
	}
	r2()
	if !free(t, names[1]) {
		t.Error("a released slot is still held")
	}
}
