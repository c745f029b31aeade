package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// testOpen opens an archive in a session of its own.
func testOpen(k Kind, r io.Reader, ra io.ReaderAt, size int64, name string) (Reader, error) {
	return NewSession(context.Background(), nil).Open(k, r, ra, size, name)
}

// testZip builds a zip of members of every kind a reader meets: empty,
// small, at and past the read-ahead size, stored and deflated, a directory,
// a symbolic link, an encrypted one and a corrupt one.
func testZip(t *testing.T) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	add := func(name string, method uint16, mode fs.FileMode, flags uint16, body []byte) {
		h := &zip.FileHeader{Name: name, Method: method, Flags: flags}
		h.SetMode(mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(body)
	}
	big := func(n int) []byte { return []byte(strings.Repeat("var a = 1; // x\n", n/16+1)[:n]) }
	add("empty.js", zip.Deflate, 0o644, 0, nil)
	add("small.js", zip.Deflate, 0o644, 0, []byte("var t = 1;\n"))
	add("dir/", zip.Store, fs.ModeDir|0o755, 0, nil)
	add("at.js", zip.Deflate, 0o644, 0, big(1000))
	add("past.js", zip.Deflate, 0o644, 0, append(big(5000), "end\n"...))
	add("stored.js", zip.Store, 0o644, 0, big(3000))
	add("link", zip.Store, fs.ModeSymlink|0o777, 0, []byte("target"))
	add("secret.js", zip.Store, 0o644, 1, []byte("xx"))
	add("../climbs.js", zip.Deflate, 0o644, 0, []byte("up"))
	for i := range 40 {
		add(fmt.Sprintf("many/%02d.js", i), zip.Deflate, 0o644, 0, big(100+37*i))
	}
	r := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 4000) // letters at random: it stays about as long deflated
	for i := range noise {
		noise[i] = byte('a' + r.IntN(26))
	}
	add("corrupt.js", zip.Deflate, 0o644, 0, noise)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z := b.Bytes()
	// Corrupt the last member's deflate stream from its 1,000th byte on.
	at := bytes.Index(z, []byte("corrupt.js")) + len("corrupt.js") + 1000
	for j := at; j < at+200; j++ {
		z[j] ^= 0x5a
	}
	return z
}

// read lists what a reader yields: each entry's name, skip, warning, and
// its content or where reading it failed.
func read(t *testing.T, z []byte) string {
	r, err := testOpen(Zip, nil, bytes.NewReader(z), int64(len(z)), "t.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out strings.Builder
	for {
		e, err := r.Next()
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s skip=%q warn=%q", e.Name, e.Skip, e.Warn)
		if e.Body != nil {
			b, err := io.ReadAll(e.Body)
			fmt.Fprintf(&out, " %d bytes %x err=%v", len(b), b[:min(len(b), 8)], err)
			if len(b) > 0 {
				fmt.Fprintf(&out, " ends %q", b[max(len(b)-4, 0):])
			}
		}
		out.WriteString("\n")
	}
}

// TestZipReadAheadReadsWhatItReads: members inflated ahead, on other
// goroutines and in part (past AheadBytes, the rest as they are read), read
// as members inflated one by one do: the same entries, content and errors,
// in the same order.
func TestZipReadAheadReadsWhatItReads(t *testing.T) {
	defer func(r, n int) { ReadAhead, AheadBytes = r, n }(ReadAhead, AheadBytes)
	z := testZip(t)
	ReadAhead = 0
	want := read(t, z)
	if !strings.Contains(want, "past.js") || !strings.Contains(want, `ends "end\n"`) || !strings.Contains(want, "flate") {
		t.Fatalf("the fixture is wrong:\n%s", want)
	}
	for _, c := range []struct{ ahead, bytes int }{{1, 1000}, {3, 1000}, {4, 64}, {8, 1 << 20}} {
		ReadAhead, AheadBytes = c.ahead, c.bytes
		if got := read(t, z); got != want {
			t.Errorf("read %d ahead, %d bytes each:\n%s\nwant\n%s", c.ahead, c.bytes, got, want)
		}
	}
}

// TestZipReadAheadCloses: a reader closed before its end (an archive cut
// short by a cap) leaves no inflating goroutine behind.
func TestZipReadAheadCloses(t *testing.T) {
	defer func(r, n int) { ReadAhead, AheadBytes = r, n }(ReadAhead, AheadBytes)
	ReadAhead, AheadBytes = 8, 1000
	z := testZip(t)
	closesClean(t, func() (Reader, error) { return testOpen(Zip, nil, bytes.NewReader(z), int64(len(z)), "t.zip") }, 2)
}

// closesClean opens a reader 20 times, reads next entries of each and
// closes it: no goroutine is left. Close waits for an inflating
// goroutine's last act; its return itself may take a moment longer.
func closesClean(t *testing.T, open func() (Reader, error), next int) {
	t.Helper()
	before := runtime.NumGoroutine()
	for range 20 {
		r, err := open()
		if err != nil {
			t.Fatal(err)
		}
		for range next {
			r.Next()
		}
		r.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing, %d before", n, before)
	}
}

// testTarGz is a .tar.gz of members across the inflater's chunks (one of
// them several chunks long) and, corrupt, the same with 64 bytes of its
// deflate stream flipped.
func testTarGz(t *testing.T) (good, corrupt []byte) {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	r := rand.New(rand.NewPCG(3, 4))
	for i, n := range []int{0, 11, aheadChunk - 100, 3*aheadChunk + 7, 1000, aheadChunk} {
		body := make([]byte, n)
		for j := range body {
			body[j] = byte('a' + r.IntN(26))
		}
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("m%d.js", i), Mode: 0o644, Size: int64(n), Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	tw.Close()
	gz.Close()
	good = bytes.Clone(b.Bytes())
	corrupt = bytes.Clone(good)
	for i := len(corrupt) / 2; i < len(corrupt)/2+64; i++ {
		corrupt[i] ^= 0xff // inside the deflate stream, in m3.js
	}
	return good, corrupt
}

// readStream lists what a reader of a gzip stream yields, as read does.
func readStream(t *testing.T, z []byte, name string) string {
	r, err := testOpen(Gzip, bytes.NewReader(z), nil, 0, name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out strings.Builder
	for {
		e, err := r.Next()
		if err != nil {
			fmt.Fprintf(&out, "end: %v\n", err)
			return out.String()
		}
		b, err := io.ReadAll(e.Body)
		fmt.Fprintf(&out, "%s %d bytes %x err=%v\n", e.Name, len(b), b[max(len(b)-8, 0):], err)
	}
}

// TestGzipInflatedOnItsOwnReadsTheSame: a .tar.gz and a bare .gz inflated
// on a goroutine of their own, chunks ahead of the reader, read as they do
// inflated in the reader: the same members, content and errors (a corrupt
// stream's included).
func TestGzipInflatedOnItsOwnReadsTheSame(t *testing.T) {
	defer func(r int) { ReadAhead = r }(ReadAhead)
	good, corrupt := testTarGz(t)
	var bare bytes.Buffer
	gz := gzip.NewWriter(&bare)
	gz.Write(bytes.Repeat([]byte("var a = 1;\n"), 100000))
	gz.Close()
	for _, c := range []struct {
		name string
		z    []byte
	}{{"t.tar.gz", good}, {"t.tar.gz", corrupt}, {"app.js.gz", bare.Bytes()}} {
		ReadAhead = 0
		want := readStream(t, c.z, c.name)
		ReadAhead = 2
		if got := readStream(t, c.z, c.name); got != want {
			t.Errorf("%s: inflated ahead:\n%s\nwant\n%s", c.name, got, want)
		}
	}
	if bad := readStream(t, corrupt, "t.tar.gz"); strings.HasSuffix(bad, "end: EOF\n") {
		t.Errorf("the corrupt stream reads without an error:\n%s", bad)
	}
}

// TestGzipInflaterCloses: a stream left before its end (a cap) stops
// being inflated, and its goroutine ends, when it is closed.
func TestGzipInflaterCloses(t *testing.T) {
	defer func(r int) { ReadAhead = r }(ReadAhead)
	ReadAhead = 2
	good, _ := testTarGz(t)
	closesClean(t, func() (Reader, error) { return testOpen(Gzip, bytes.NewReader(good), nil, 0, "t.tar.gz") }, 1)
}

// TestZipReadAheadQueuesLittle: a run of members with nothing to inflate
// (links) is looked at a few at a time, not queued whole, and every member
// still comes out, in order.
func TestZipReadAheadQueuesLittle(t *testing.T) {
	defer func(r int) { ReadAhead = r }(ReadAhead)
	ReadAhead = 2
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := range 1000 {
		h := &zip.FileHeader{Name: fmt.Sprintf("link%04d", i)}
		h.SetMode(fs.ModeSymlink | 0o777)
		f, _ := w.CreateHeader(h)
		f.Write([]byte("target"))
	}
	f, _ := w.Create("last.js")
	f.Write([]byte("var a = 1;\n"))
	w.Close()
	r, err := testOpen(Zip, nil, bytes.NewReader(b.Bytes()), int64(b.Len()), "t.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	z := r.(*zipReader)
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			if i != 1001 {
				t.Errorf("%d members, want 1001", i)
			}
			return
		}
		if want := fmt.Sprintf("link%04d", i); i < 1000 && e.Name != want || i == 1000 && e.Name != "last.js" {
			t.Fatalf("member %d is %s", i, e.Name)
		}
		if len(z.pending) > 2*z.ahead {
			t.Fatalf("%d members pending after %d, reading %d ahead", len(z.pending), i, z.ahead)
		}
	}
}
