// Package archivetest builds archives and compressed streams for tests, at
// run time, in every format internal/archive opens: with Go writers where
// there are some, with the tools a release is built with (xz, zstd,
// bzip2, lz4, dpkg-deb, rpmbuild) where the test asks for them. A test
// that needs a tool the machine lacks is skipped, unless
// CRATESGUARD_REQUIRE_TOOLS is set (CI), where it fails.
package archivetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// File is a member: a name and its bytes.
type File struct {
	Name string
	Body []byte
	// Method is a zip member's compression method (0: deflate).
	Method uint16
}

// Files makes members from names and texts, alternately.
func Files(nameBody ...string) []File {
	var out []File
	for i := 0; i+1 < len(nameBody); i += 2 {
		out = append(out, File{Name: nameBody[i], Body: []byte(nameBody[i+1])})
	}
	return out
}

// Filler is text around a token so that compressors have something to
// compress: LZMA2, zstd and lz4 store incompressible data raw, where a
// token could be seen without decoding (release-artifacts.md).
func Filler(n int) string {
	const line = "let value = compute(value, 42); // filler line\n"
	return strings.Repeat(line, n/len(line)+1)[:n]
}

// Tar is a tar of files (ustar, PAX where a name needs it).
func Tar(t testing.TB, files []File) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.Name, Mode: 0o644, Size: int64(len(f.Body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.Body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Zip methods a test can ask for (see File.Method; 0 is deflate).
const (
	Store = 0xffff // zip.Store, which File.Method's zero cannot say
	Bzip2 = 12
	LZMA  = 14
	Zstd  = 93
	Xz    = 95
)

// Zip is a zip of files, each compressed with its Method (bzip2 needs the
// bzip2 tool).
func Zip(t testing.TB, files []File) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(Zstd, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	// Go makes a member's compressor before it writes the member's
	// header: one that writes on creation (xz's stream header) waits.
	zw.RegisterCompressor(Xz, func(w io.Writer) (io.WriteCloser, error) {
		return &lazy{make: func() (io.WriteCloser, error) { return xz.NewWriter(w) }}, nil
	})
	zw.RegisterCompressor(LZMA, func(w io.Writer) (io.WriteCloser, error) { return newZipLZMA(w) })
	zw.RegisterCompressor(Bzip2, func(w io.Writer) (io.WriteCloser, error) {
		return &viaTool{t: t, w: w, args: []string{"bzip2", "-c"}}, nil
	})
	for _, f := range files {
		m := f.Method
		switch {
		case m == Store || strings.HasSuffix(f.Name, "/"):
			m = zip.Store
		case m == 0:
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lazy makes its writer at the first write or on Close.
type lazy struct {
	make func() (io.WriteCloser, error)
	w    io.WriteCloser
}

func (l *lazy) get() (io.WriteCloser, error) {
	if l.w == nil {
		w, err := l.make()
		if err != nil {
			return nil, err
		}
		l.w = w
	}
	return l.w, nil
}

func (l *lazy) Write(p []byte) (int, error) {
	w, err := l.get()
	if err != nil {
		return 0, err
	}
	return w.Write(p)
}

func (l *lazy) Close() error {
	w, err := l.get()
	if err != nil {
		return err
	}
	return w.Close()
}

// newZipLZMA writes a zip member's LZMA: version, properties' length,
// properties, then the stream with an end marker (APPNOTE 5.8.8).
func newZipLZMA(w io.Writer) (io.WriteCloser, error) {
	var hdr bytes.Buffer
	lw, err := lzma.WriterConfig{EOSMarker: true, Size: -1}.NewWriter(&hdr)
	if err != nil {
		return nil, err
	}
	return &zipLZMA{w: w, lw: lw, buf: &hdr}, nil
}

type zipLZMA struct {
	w   io.Writer
	lw  *lzma.Writer
	buf *bytes.Buffer
}

func (z *zipLZMA) Write(p []byte) (int, error) { return z.lw.Write(p) }

func (z *zipLZMA) Close() error {
	if err := z.lw.Close(); err != nil {
		return err
	}
	s := z.buf.Bytes() // the .lzma header: 5 properties, 8 bytes of size
	if _, err := z.w.Write([]byte{9, 20, 5, 0}); err != nil {
		return err
	}
	if _, err := z.w.Write(s[:5]); err != nil {
		return err
	}
	_, err := z.w.Write(s[13:])
	return err
}

// viaTool compresses what is written to it with a command, on Close.
type viaTool struct {
	t    testing.TB
	w    io.Writer
	args []string
	in   bytes.Buffer
}

func (v *viaTool) Write(p []byte) (int, error) { return v.in.Write(p) }

func (v *viaTool) Close() error {
	out := Run(v.t, v.in.Bytes(), v.args...)
	_, err := v.w.Write(out)
	return err
}

// Need skips t when a tool is missing, or fails it in CI.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CRATESGUARD_REQUIRE_TOOLS") != "" {
				t.Fatalf("%s is needed (Debian: apt-get install %s)", tool, tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// Run runs a tool with in on its standard input and returns its output.
func Run(t testing.TB, in []byte, args ...string) []byte {
	t.Helper()
	Need(t, args[0])
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes()
}

// Compress compresses b as format does: "gzip", "zlib", "zstd", "xz",
// "lz4" with Go writers, "bzip2" with the tool; "xz-tool", "zstd-tool",
// "lz4-tool" with the tools themselves.
func Compress(t testing.TB, format string, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	var w io.WriteCloser
	var err error
	switch format {
	case "gzip":
		w = gzip.NewWriter(&out)
	case "zlib":
		w = zlib.NewWriter(&out)
	case "zstd":
		w, err = zstd.NewWriter(&out)
	case "xz":
		w, err = xz.NewWriter(&out)
	case "lz4":
		w = lz4.NewWriter(&out)
	case "bzip2":
		return Run(t, b, "bzip2", "-c")
	case "xz-tool":
		return Run(t, b, "xz", "-c", "-T1")
	case "zstd-tool":
		return Run(t, b, "zstd", "-c", "-q")
	case "lz4-tool":
		return Run(t, b, "lz4", "-c", "-q")
	default:
		t.Fatalf("no compressor %q", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Ar is an ar archive of files (GNU long names for names over 15 bytes).
func Ar(files []File) []byte {
	var b, names bytes.Buffer
	long := map[string]int{}
	for _, f := range files {
		if len(f.Name) > 15 {
			long[f.Name] = names.Len()
			names.WriteString(f.Name + "/\n")
		}
	}
	b.WriteString("!<arch>\n")
	member := func(name string, body []byte) {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8o%-10d`\n", name, 0, 0, 0, 0o644, len(body))
		b.Write(body)
		if len(body)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	if names.Len() > 0 {
		member("//", names.Bytes())
	}
	for _, f := range files {
		name := f.Name + "/"
		if off, ok := long[f.Name]; ok {
			name = fmt.Sprintf("/%d", off)
		}
		member(name, f.Body)
	}
	return b.Bytes()
}

// Deb is a .deb as dpkg-deb lays one out: debian-binary, control.tar.gz,
// then data.tar compressed with data ("xz", "gzip", "zstd", "bzip2").
func Deb(t testing.TB, data string, files []File) []byte {
	control := Compress(t, "gzip", Tar(t, Files("./control", "Package: foo\nVersion: 1.2.3\nArchitecture: amd64\n")))
	ext := map[string]string{"xz": ".xz", "gzip": ".gz", "zstd": ".zst", "bzip2": ".bz2"}[data]
	return Ar([]File{{Name: "debian-binary", Body: []byte("2.0\n")}, {Name: "control.tar.gz", Body: control},
		{Name: "data.tar" + ext, Body: Compress(t, data, Tar(t, files))}})
}

// Cpio is a newc cpio archive of files, as an .rpm's payload is.
func Cpio(files []File) []byte {
	var b bytes.Buffer
	pad := func() {
		for b.Len()%4 != 0 {
			b.WriteByte(0)
		}
	}
	entry := func(ino int, name string, mode int, body []byte) {
		fmt.Fprintf(&b, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
			ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(name)+1, 0)
		b.WriteString(name + "\x00")
		pad()
		b.Write(body)
		pad()
	}
	for i, f := range files {
		entry(i+1, f.Name, 0o100644, f.Body)
	}
	entry(0, "TRAILER!!!", 0, nil)
	return b.Bytes()
}

// RPM is an .rpm laid out as rpm writes one: lead, signature header,
// header (naming the payload's compressor), payload (a cpio of files
// compressed with compressor: "xz", "zstd", "gzip", "bzip2").
func RPM(t testing.TB, compressor string, files []File) []byte {
	return RPMWith(t, compressor, files, nil)
}

// RPMWith is RPM with more string tags in its header (1005 is the
// description, 1023 the %post scriptlet).
func RPMWith(t testing.TB, compressor string, files []File, tags map[uint32]string) []byte {
	var b bytes.Buffer
	lead := make([]byte, 96)
	copy(lead, "\xed\xab\xee\xdb\x03\x00")
	copy(lead[10:], "foo-1.2.3-1")
	binary.BigEndian.PutUint16(lead[78:], 5) // signature type: header-style
	b.Write(lead)
	header := func(tags map[uint32]string, padded bool) {
		var index, store bytes.Buffer
		for tag, v := range tags {
			var e [16]byte
			binary.BigEndian.PutUint32(e[:], tag)
			binary.BigEndian.PutUint32(e[4:], 6) // string
			binary.BigEndian.PutUint32(e[8:], uint32(store.Len()))
			binary.BigEndian.PutUint32(e[12:], 1)
			index.Write(e[:])
			store.WriteString(v + "\x00")
		}
		var h [16]byte
		copy(h[:], "\x8e\xad\xe8\x01")
		binary.BigEndian.PutUint32(h[8:], uint32(len(tags)))
		binary.BigEndian.PutUint32(h[12:], uint32(store.Len()))
		b.Write(h[:])
		b.Write(index.Bytes())
		b.Write(store.Bytes())
		for padded && b.Len()%8 != 0 {
			b.WriteByte(0)
		}
	}
	header(map[uint32]string{1000: "foo"}, true)
	main := map[uint32]string{1000: "foo", 1124: "cpio", 1125: compressor}
	for tag, v := range tags {
		main[tag] = v
	}
	header(main, false)
	b.Write(Compress(t, compressor, Cpio(files)))
	return b.Bytes()
}

// DpkgDeb is a .deb built by dpkg-deb itself, its data.tar compressed
// with compression ("xz", "gzip", "zstd"), holding files.
func DpkgDeb(t testing.TB, compression string, files []File) []byte {
	t.Helper()
	Need(t, "dpkg-deb")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	write(t, root, append([]File{{Name: "DEBIAN/control", Body: []byte(
		"Package: foo\nVersion: 1.2.3\nArchitecture: amd64\nMaintainer: Foo <foo@example.com>\nDescription: foo\n")}}, files...))
	out := filepath.Join(dir, "foo.deb")
	cmd := exec.Command("dpkg-deb", "--root-owner-group", "-Z"+compression, "--build", root, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RPMBuild is an .rpm built by rpmbuild itself, its payload compressed as
// payload says (rpm's _binary_payload: "w19.zstdio", "w9.xzdio",
// "w9.gzdio"), holding files at their paths.
func RPMBuild(t testing.TB, payload string, files []File) []byte {
	t.Helper()
	Need(t, "rpmbuild")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	write(t, src, files)
	var spec strings.Builder
	spec.WriteString("Name: foo\nVersion: 1.2.3\nRelease: 1\nSummary: foo\nLicense: MIT\nBuildArch: noarch\n\n%description\nfoo\n\n%install\n")
	for _, f := range files {
		fmt.Fprintf(&spec, "mkdir -p %%{buildroot}/%s\ncp %s %%{buildroot}/%s\n", filepath.Dir(f.Name), filepath.Join(src, f.Name), f.Name)
	}
	spec.WriteString("\n%files\n")
	for _, f := range files {
		fmt.Fprintf(&spec, "/%s\n", f.Name)
	}
	specPath := filepath.Join(dir, "foo.spec")
	if err := os.WriteFile(specPath, []byte(spec.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("rpmbuild", "-bb", "--quiet", "--define", "_topdir "+filepath.Join(dir, "top"),
		"--define", "_binary_payload "+payload, "--define", "__os_install_post %{nil}", specPath)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rpmbuild: %v\n%s", err, b)
	}
	found, _ := filepath.Glob(filepath.Join(dir, "top", "RPMS", "*", "*.rpm"))
	if len(found) != 1 {
		t.Fatalf("rpmbuild wrote %d packages", len(found))
	}
	b, err := os.ReadFile(found[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// write puts files under dir.
func write(t testing.TB, dir string, files []File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Wasm is a WebAssembly module with one memory and data as its one data
// segment: where a Rust string constant or an env!() value ends up.
func Wasm(data []byte) []byte {
	leb := func(n int) []byte {
		var b []byte
		for {
			c := byte(n & 0x7f)
			n >>= 7
			if n != 0 {
				c |= 0x80
			}
			b = append(b, c)
			if n == 0 {
				return b
			}
		}
	}
	section := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, leb(len(body))...), body...)
	}
	var m bytes.Buffer
	m.WriteString("\x00asm\x01\x00\x00\x00")
	m.Write(section(5, []byte{1, 0, 1}))                          // memory: one, at least a page
	seg := append([]byte{1, 0, 0x41, 0, 0x0b}, leb(len(data))...) // one active segment at i32.const 0
	m.Write(section(11, append(seg, data...)))
	return m.Bytes()
}

// SetZipMethod gives member name of zip z the compression method m in
// both its headers (its bytes are left as they are): a method, or an
// encryption, a test wants to see refused. SetZipFlags sets its general
// purpose flags (bit 0: encrypted).
func SetZipMethod(z []byte, name string, m uint16) []byte { return patchZip(z, name, 8, 10, m) }

// SetZipFlags: see SetZipMethod.
func SetZipFlags(z []byte, name string, f uint16) []byte { return patchZip(z, name, 6, 8, f) }

func patchZip(z []byte, name string, localOff, centralOff int, v uint16) []byte {
	z = bytes.Clone(z)
	for _, h := range []struct {
		magic       string
		off, nameAt int
	}{{"PK\x03\x04", localOff, 30}, {"PK\x01\x02", centralOff, 46}} {
		for i := 0; ; i++ {
			j := bytes.Index(z[i:], []byte(h.magic))
			if j < 0 {
				break
			}
			i += j
			if i+h.nameAt+len(name) <= len(z) && string(z[i+h.nameAt:i+h.nameAt+len(name)]) == name {
				binary.LittleEndian.PutUint16(z[i+h.off:], v)
			}
		}
	}
	return z
}
