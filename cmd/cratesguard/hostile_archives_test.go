package main

// Hostile archives, every format: a bomb each, sizes and windows that lie,
// a zip directory of a million records, a .deb whose data member is a
// bomb, many bombs at once. cratesguard, a process of its own, peaks at
// 128 MiB or less on each (peakRSS, hostile_memory_test.go), ends, and says
// what it cut.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	at "github.com/cratesguard/cratesguard/internal/archivetest"
)

// zeros is n bytes of zeros, in a tar as one member.
func zerosTar(t *testing.T, n int64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		tw.WriteHeader(&tar.Header{Name: "zeros.txt", Mode: 0o644, Size: n, Typeflag: tar.TypeReg})
		io.CopyN(tw, zeroReader{}, n)
		tw.Close()
		pw.Close()
	}()
	return pr
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

var (
	bombsOnce sync.Once
	bombs     map[string][]byte
)

// archiveBombs builds, once, a bomb a format: 256 MiB of zeros in a tar,
// compressed as each tool compresses (xz -9: a 64 MiB dictionary).
func archiveBombs(t *testing.T) map[string][]byte {
	at.Need(t, "xz", "zstd", "bzip2", "lz4")
	bombsOnce.Do(func() {
		bombs = map[string][]byte{}
		tarred := func() []byte {
			b, _ := io.ReadAll(zerosTar(t, 256<<20))
			return b
		}()
		bombs["bomb.tar.xz"] = at.Run(t, tarred, "xz", "-9", "-T1", "-c")
		bombs["bomb.tar.zst"] = at.Run(t, tarred, "zstd", "-q", "-c", "--long=26")
		bombs["bomb.tar.bz2"] = at.Run(t, tarred, "bzip2", "-c")
		bombs["bomb.tar.lz4"] = at.Run(t, tarred, "lz4", "-q", "-c", "-B7")
		bombs["bomb.tar.gz"] = at.Compress(t, "gzip", tarred)
		bombs["bomb.deb"] = at.Ar([]at.File{{Name: "debian-binary", Body: []byte("2.0\n")},
			{Name: "control.tar.gz", Body: at.Compress(t, "gzip", at.Tar(t, at.Files("./control", "Package: x\n")))},
			{Name: "data.tar.xz", Body: bombs["bomb.tar.xz"]}})
		cpio := at.Cpio([]at.File{{Name: "./zeros", Body: make([]byte, 256<<20)}})
		bombs["bomb.rpm"] = rpmAround(t, at.Run(t, cpio, "zstd", "-q", "-c"))
	})
	return bombs
}

// rpmAround is an .rpm whose payload is payload, as it is.
func rpmAround(t *testing.T, payload []byte) []byte {
	r := at.RPM(t, "gzip", nil)
	// The cpio of no files, gzipped, ends the file: replace it.
	i := bytes.LastIndex(r, []byte{0x1f, 0x8b, 8})
	return append(r[:i:i], payload...)
}

// millionZip is a zip whose central directory lists a million members.
func millionZip(t *testing.T) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := range 1_000_000 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%07d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	return b.Bytes()
}

func TestHostileArchiveFormats(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: decodes gigabytes in a child (measured without -race)")
	}
	files := archiveBombs(t)
	files["million.zip"] = millionZip(t)
	// A tar that says a member is 1 GiB and ends after 100 bytes.
	lying := at.Tar(t, at.Files("a.txt", "short"))
	copy(lying[124:136], fmt.Sprintf("%011o\x00", 1<<30))
	files["lying.tar.gz"] = at.Compress(t, "gzip", lying[:512+100])
	dir := t.TempDir()
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	srv := serveFiles(t, func() map[string][]byte {
		m := map[string][]byte{}
		for name, b := range files {
			m["/"+name] = b
		}
		return m
	}())
	base, _, _ := peakRSS(t, "scan", "--format", "json", srv.URL+"/lying.tar.gz")
	type want struct {
		code         int
		part, reason string
	}
	bomb := want{3, "", "decodes to more than --max-bytes"}
	whole := want{0, "", `"notOpened": 0`} // read to its end, every window full
	cases := []struct {
		name string
		args []string
		want want
	}{
		{"xz -9 bomb (64 MiB window), --max-bytes 1GiB", []string{"--max-bytes", "1GiB", filepath.Join(dir, "bomb.tar.xz")}, whole},
		{"xz -9 bomb, served", []string{srv.URL + "/bomb.tar.xz"}, bomb},
		{"zstd --long=26 bomb, --max-bytes 1GiB", []string{"--max-bytes", "1GiB", filepath.Join(dir, "bomb.tar.zst")}, whole},
		{"bzip2 bomb", []string{filepath.Join(dir, "bomb.tar.bz2")}, bomb},
		{"lz4 bomb (4 MiB blocks)", []string{srv.URL + "/bomb.tar.lz4"}, bomb},
		{"gzip bomb", []string{filepath.Join(dir, "bomb.tar.gz")}, bomb},
		{"a .deb whose data.tar.xz is a bomb", []string{srv.URL + "/bomb.deb"}, bomb},
		{"an .rpm whose payload is a bomb", []string{filepath.Join(dir, "bomb.rpm")}, bomb},
		{"a zip directory of 1M records, on disk", []string{filepath.Join(dir, "million.zip")}, want{3, "million.zip", "the rest were not opened"}},
		{"a zip directory of 1M records, served", []string{"--max-bytes", "256MiB", srv.URL + "/million.zip"}, want{3, "million.zip", "the rest were not opened"}},
		{"a tar member that says 1 GiB and holds 100 bytes", []string{srv.URL + "/lying.tar.gz"}, want{3, "lying.tar.gz", "cut short"}},
		{"eight bombs at once, 16 workers", []string{"--concurrency", "16", "--max-bytes", "256MiB", dir}, bomb},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kb, out, code := peakRSS(t, append([]string{"scan", "--format", "json"}, c.args...)...)
			t.Logf("%-50s peak %4d MiB (%.1fx the %d MiB of a small archive)", c.name, kb>>10, float64(kb)/float64(base), base>>10)
			if kb > peakLimitKiB {
				t.Errorf("peak RSS %d MiB, over 128 MiB", kb>>10)
			}
			if code != c.want.code || !strings.Contains(out, c.want.reason) || !strings.Contains(out, c.want.part) {
				t.Errorf("exit %d (want %d); the report does not say %q of %q:\n%.2000s", code, c.want.code, c.want.reason, c.want.part, out)
			}
		})
	}
}
