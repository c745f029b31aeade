package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	at "github.com/cratesguard/cratesguard/internal/archivetest"
)

// entries opens b by what Sniff says it is and lists every entry: name,
// then its content, or why it was not read; members that are archives
// themselves are listed as such, not opened.
func entries(t *testing.T, b []byte, name string) (Kind, string) {
	t.Helper()
	k := Sniff(b[:min(len(b), SniffLen)])
	if k == None {
		return None, ""
	}
	r, err := testOpen(k, bytes.NewReader(b), bytes.NewReader(b), int64(len(b)), name)
	if err != nil {
		return k, "open: " + err.Error()
	}
	defer r.Close()
	var out strings.Builder
	for {
		e, err := r.Next()
		if err == io.EOF {
			return k, out.String()
		}
		if err != nil {
			fmt.Fprintf(&out, "next: %v\n", err)
			return k, out.String()
		}
		switch {
		case e.Skip != "":
			fmt.Fprintf(&out, "%s skip: %s\n", e.Name, e.Skip)
		case e.Unread != "":
			fmt.Fprintf(&out, "%s unread: %s\n", e.Name, e.Unread)
		default:
			c, err := io.ReadAll(e.Body)
			if err != nil {
				fmt.Fprintf(&out, "%s read: %v\n", e.Name, err)
				continue
			}
			if inner := Sniff(c[:min(len(c), SniffLen)]); inner != None {
				fmt.Fprintf(&out, "%s = a %s of %d bytes\n", e.Name, inner, len(c))
				continue
			}
			if len(c) > 64 {
				fmt.Fprintf(&out, "%s = %d bytes %x\n", e.Name, len(c), sha256.Sum256(c))
				continue
			}
			fmt.Fprintf(&out, "%s = %q\n", e.Name, c)
		}
	}
}

// TestEveryFormatOpens: each format a Rust release ships, written by Go's
// writers or by the tools themselves, is told by its bytes (never its
// name) and read member by member to the same content.
func TestEveryFormatOpens(t *testing.T) {
	body := at.Filler(3000) + "the end\n"
	files := []at.File{{Name: "foo/bin/tool.conf", Body: []byte(body)}, {Name: "foo/README.md", Body: []byte("# foo\n")}}
	tarred := at.Tar(t, files)
	sum := fmt.Sprintf("%d bytes %x", len(body), sha256.Sum256([]byte(body)))
	want := "foo/bin/tool.conf = " + sum + "\nfoo/README.md = \"# foo\\n\"\n"
	bare := "notes.txt = " + sum + "\n"
	cases := []struct {
		name   string
		kind   Kind
		make   func(t *testing.T) []byte
		listed string
	}{
		{"foo.tar", Tar, func(t *testing.T) []byte { return tarred }, want},
		{"foo.tar.gz", Gzip, func(t *testing.T) []byte { return at.Compress(t, "gzip", tarred) }, want},
		{"foo.tar.xz (Go)", Xz, func(t *testing.T) []byte { return at.Compress(t, "xz", tarred) }, want},
		{"foo.tar.xz (xz)", Xz, func(t *testing.T) []byte { return at.Compress(t, "xz-tool", tarred) }, want},
		{"foo.tar.zst (Go)", Zstd, func(t *testing.T) []byte { return at.Compress(t, "zstd", tarred) }, want},
		{"foo.tar.zst (zstd)", Zstd, func(t *testing.T) []byte { return at.Compress(t, "zstd-tool", tarred) }, want},
		{"foo.tar.bz2", Bzip2, func(t *testing.T) []byte { return at.Compress(t, "bzip2", tarred) }, want},
		{"foo.tar.lz4 (Go)", Lz4, func(t *testing.T) []byte { return at.Compress(t, "lz4", tarred) }, want},
		{"foo.tar.lz4 (lz4)", Lz4, func(t *testing.T) []byte { return at.Compress(t, "lz4-tool", tarred) }, want},
		{"foo.tar.zz", Zlib, func(t *testing.T) []byte { return at.Compress(t, "zlib", tarred) }, want},
		{"notes.txt.xz", Xz, func(t *testing.T) []byte { return at.Compress(t, "xz", []byte(body)) }, bare},
		{"notes.txt.zst", Zstd, func(t *testing.T) []byte { return at.Compress(t, "zstd", []byte(body)) }, bare},
		{"notes.txt.bz2", Bzip2, func(t *testing.T) []byte { return at.Compress(t, "bzip2", []byte(body)) }, bare},
		{"notes.txt.lz4", Lz4, func(t *testing.T) []byte { return at.Compress(t, "lz4", []byte(body)) }, bare},
		{"foo.zip", Zip, func(t *testing.T) []byte { return at.Zip(t, files) }, want},
		{"foo.cpio", Cpio, func(t *testing.T) []byte { return at.Cpio(files) }, want},
		{"foo.ar", Ar, func(t *testing.T) []byte {
			return at.Ar([]at.File{{Name: "a-name-longer-than-sixteen.txt", Body: []byte("odd")}, {Name: "b", Body: []byte("even")}})
		}, "a-name-longer-than-sixteen.txt = \"odd\"\nb = \"even\"\n"},
		{"foo.deb", Ar, func(t *testing.T) []byte { return at.Deb(t, "xz", files) },
			"debian-binary = \"2.0\\n\"\ncontrol.tar.gz = a gzip of "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.make(t)
			k, got := entries(t, b, "x/"+strings.Fields(c.name)[0])
			if k != c.kind {
				t.Fatalf("told as %s, want %s", k, c.kind)
			}
			if !strings.HasPrefix(got, c.listed) {
				t.Errorf("read\n%s\nwant\n%s", got, c.listed)
			}
		})
	}
}

// TestRPMAndDebPayloads: an .rpm's cpio payload in each compression rpm
// writes, and a .deb's data member in each dpkg-deb writes, read through.
func TestRPMAndDebPayloads(t *testing.T) {
	files := []at.File{{Name: "./usr/bin/foo", Body: []byte(at.Filler(2000))}, {Name: "./etc/foo.toml", Body: []byte("token = 1\n")}}
	for _, c := range []string{"xz", "zstd", "gzip", "bzip2"} {
		t.Run("rpm "+c, func(t *testing.T) {
			k, got := entries(t, at.RPM(t, c, files), "foo.rpm")
			if k != Rpm || !strings.Contains(got, "./etc/foo.toml = \"token = 1\\n\"") || !strings.Contains(got, "./usr/bin/foo = ") {
				t.Errorf("%s:\n%s", k, got)
			}
		})
		t.Run("deb "+c, func(t *testing.T) {
			b := at.Deb(t, c, files)
			r, err := testOpen(Ar, bytes.NewReader(b), nil, 0, "foo.deb")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var data []byte
			for {
				e, err := r.Next()
				if err != nil {
					break
				}
				if strings.HasPrefix(e.Name, "data.tar") {
					data, _ = io.ReadAll(e.Body)
				}
			}
			if k, got := entries(t, data, "data.tar"); !strings.Contains(got, "./etc/foo.toml = \"token = 1\\n\"") {
				t.Errorf("data.tar (%s):\n%s", k, got)
			}
		})
	}
}

// TestZipMethods: members stored, deflated, and compressed with bzip2,
// LZMA, zstd and xz are read; deflate64, AES and unknown methods are said
// to be unread, with the method named.
func TestZipMethods(t *testing.T) {
	body := at.Filler(5000)
	var files []at.File
	for _, m := range []uint16{at.Store, 8, at.Bzip2, at.LZMA, at.Zstd, at.Xz} {
		files = append(files, at.File{Name: fmt.Sprintf("m%d.txt", m&0xff), Body: []byte(body), Method: m})
	}
	z := at.Zip(t, files)
	for _, m := range []uint16{9, 99, 77} { // rewrite stored members' method fields
		z = append(z[:0:0], z...)
		z = at.SetZipMethod(z, "m255.txt", m)
		_, got := entries(t, z, "x.zip")
		want := map[uint16]string{9: "method 9 (deflate64)", 99: "encrypted", 77: "method 77, which cratesguard does not know"}[m]
		if !strings.Contains(got, "m255.txt unread: ") || !strings.Contains(got, want) {
			t.Errorf("method %d:\n%s", m, got)
		}
		z = at.SetZipMethod(z, "m255.txt", 0)
	}
	_, got := entries(t, z, "x.zip")
	for _, m := range []uint16{at.Store, 8, at.Bzip2, at.LZMA, at.Zstd, at.Xz} {
		if want := fmt.Sprintf("m%d.txt = %d bytes %x", m&0xff, len(body), sha256.Sum256([]byte(body))); !strings.Contains(got, want) {
			t.Errorf("method %d not read:\n%s", m, got)
		}
	}
}

// TestZipAfterOtherBytes: a zip with bytes in front of it (a script with a
// zip appended, a self-extracting installer) is found from its end record
// and read; a script with none is not taken for one.
func TestZipAfterOtherBytes(t *testing.T) {
	script := []byte("#!/bin/sh\n# installer\nexec unzip \"$0\"\n" + at.Filler(3000))
	z := at.Zip(t, at.Files("payload/config.json", `{"a": 1}`))
	both := append(append([]byte(nil), script...), z...)
	if !FindZip(bytes.NewReader(both), int64(len(both))) {
		t.Fatal("the appended zip is not found")
	}
	if FindZip(bytes.NewReader(script), int64(len(script))) {
		t.Fatal("a script without a zip is taken for one")
	}
	r, err := testOpen(Zip, nil, bytes.NewReader(both), int64(len(both)), "install.sh")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	e, err := r.Next()
	if err != nil || e.Name != "payload/config.json" {
		t.Fatalf("%v %v", e, err)
	}
	if c, _ := io.ReadAll(e.Body); string(c) != `{"a": 1}` {
		t.Errorf("read %q", c)
	}
}

// TestZipDirectoryIsCountedFirst: a directory past the record cap is
// walked, not parsed: the first records that fit are read, and the rest
// said not opened. A zip64 directory (65,535 records and more) is read.
func TestZipDirectoryIsCountedFirst(t *testing.T) {
	defer func(n int) { maxRecords = n }(maxRecords)
	var files []at.File
	for i := range 70000 {
		files = append(files, at.File{Name: fmt.Sprintf("%05d", i), Method: at.Store})
	}
	z := at.Zip(t, files)
	count := func() (int, error) {
		r, err := testOpen(Zip, nil, bytes.NewReader(z), int64(len(z)), "x.zip")
		if err != nil {
			return 0, err
		}
		defer r.Close()
		for n := 0; ; n++ {
			if _, err := r.Next(); err != nil {
				if err == io.EOF {
					err = nil
				}
				return n, err
			}
		}
	}
	maxRecords = 100
	n, err := count()
	if _, ok := IsNotOpened(err); n != 100 || !ok {
		t.Errorf("capped at 100: %d members, then %v", n, err)
	}
	maxRecords = 1 << 20
	if n, err := count(); n != 70000 || err != nil {
		t.Errorf("zip64: %d members, then %v", n, err)
	}
}

// TestTarKinds: GNU long names, PAX names, type '7' and a sparse file (its
// holes read as zeros) are all regular members.
func TestTarKinds(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	long := strings.Repeat("d/", 80) + "long.txt"
	for _, h := range []*tar.Header{
		{Name: long, Size: 4, Mode: 0o644, Typeflag: tar.TypeReg, Format: tar.FormatGNU},
		{Name: "pax/" + long, Size: 4, Mode: 0o644, Typeflag: tar.TypeReg, Format: tar.FormatPAX},
		{Name: "cont.txt", Size: 4, Mode: 0o644, Typeflag: tar.TypeCont},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("body"))
	}
	tw.Close()
	_, got := entries(t, b.Bytes(), "x.tar")
	for _, want := range []string{long + ` = "body"`, "pax/" + long + ` = "body"`, `cont.txt = "body"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s:\n%s", want, got)
		}
	}
	at.Need(t, "tar")
	dir := t.TempDir()
	f, _ := os.Create(filepath.Join(dir, "sparse"))
	f.WriteAt([]byte("head"), 0)
	f.WriteAt([]byte("tail"), 1<<20)
	f.Close()
	out, err := exec.Command("tar", "-C", dir, "--sparse", "--format=gnu", "-cf", "-", "sparse").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out[:512], []byte("ustar")) || out[156] != 'S' {
		t.Fatalf("tar did not write a sparse member (type %q)", out[156])
	}
	r, _ := testOpen(Tar, bytes.NewReader(out), nil, 0, "s.tar")
	defer r.Close()
	e, err := r.Next()
	if err != nil || e.Body == nil {
		t.Fatalf("%+v %v", e, err)
	}
	c, err := io.ReadAll(e.Body)
	if err != nil || len(c) != 1<<20+4 || string(c[:4]) != "head" || string(c[1<<20:]) != "tail" {
		t.Errorf("the sparse member read as %d bytes (%v)", len(c), err)
	}
}

// TestWeakMagicIsChecked: text that starts as zlib's two bytes do is no
// zlib stream; real zlib is.
func TestWeakMagicIsChecked(t *testing.T) {
	for _, s := range []string{"x^2 + y^2 = z^2\n", "x\x01not deflate at all, just bytes \xff\xff\xff"} {
		if k := Sniff([]byte(s)); k != None {
			t.Errorf("%q is told as %s", s, k)
		}
	}
	if k := Sniff(at.Compress(t, "zlib", []byte(at.Filler(400)))); k != Zlib {
		t.Errorf("zlib is told as %s", k)
	}
}

// Test7zIsNotOpened: a 7z is recognised and said not opened.
func Test7zIsNotOpened(t *testing.T) {
	b := append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), make([]byte, 100)...)
	k, got := entries(t, b, "x.7z")
	if k != SevenZip || !strings.Contains(got, "open: 7z: 7z archives are recognised but not decoded") {
		t.Errorf("%s: %s", k, got)
	}
}

// TestWindowsAreBudgeted: a stream whose header asks for a window past
// MaxWindow is not opened; a session holds its window and room for nested
// streams, and one that does not fit is not opened; a second session
// waits for the first to give its memory back.
func TestWindowsAreBudgeted(t *testing.T) {
	huge := at.Compress(t, "zstd", []byte("x"))
	// Rewrite the frame header: no single segment, window 2^(10+27) bytes.
	huge[4], huge[5] = 0x00, 27<<3
	if _, err := testOpen(Zstd, bytes.NewReader(huge), nil, 0, "x.zst"); err == nil || !strings.Contains(err.Error(), "window, more than the 64 MiB") {
		t.Errorf("a 128 GiB window: %v", err)
	}
	b := NewBudget(MaxWindow + nestedRoom)
	s1 := NewSession(context.Background(), b)
	rel, err := s1.take(Xz, MaxWindow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.take(Xz, nestedRoom+1); err == nil {
		t.Error("a nested window past the room left is taken")
	}
	rel2, err := s1.take(Xz, nestedRoom)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s2 := NewSession(ctx, b)
	got := make(chan error, 1)
	go func() { _, err := s2.take(Zstd, 1<<20); got <- err }()
	select {
	case err := <-got:
		t.Fatalf("a second session took memory the first holds: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	rel2()
	rel()
	if err := <-got; err != nil {
		t.Errorf("the second session did not get the memory given back: %v", err)
	}
	cancel()
	s2.Close()
	s1.Close()
	if !b.sem.TryAcquire(b.total) {
		t.Error("memory is still held after both sessions closed")
	}
}
