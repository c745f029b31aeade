package main

// Every artifact a Rust release ships is opened, member by member, served
// or on disk, and what cannot be opened is said so, counted apart, and
// fails with exit 3: never "No crates.io tokens found" about bytes that
// were not read.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	at "github.com/cratesguard/cratesguard/internal/archivetest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// artifact is a file a release publishes, the token inside it and the
// member (after "!/") that holds it.
type artifact struct {
	name  string
	build func(t *testing.T, tok string) []byte
	// member is where the token must be reported (after "!/"): only
	// decoding names it (lz4 and zstd may keep a token's bytes as they
	// are, so a raw match would be found too, but at the file). "": the
	// file itself (wasm).
	member string
}

// leaky is a config with a token amid text that compresses: LZMA2, zstd
// and lz4 store incompressible bytes raw.
func leaky(tok string) []byte {
	return []byte(at.Filler(4000) + "\n[registry]\ntoken = \"" + tok + "\"\n" + at.Filler(4000))
}

// releaseArtifacts are the seventeen artifacts of the issue and an
// installer inside a release archive, each as the
// tool that writes it writes it.
func releaseArtifacts() []artifact {
	files := func(tok string) []at.File {
		return []at.File{{Name: "foo-1.2.3/README.md", Body: []byte(at.Filler(2000))}, {Name: "foo-1.2.3/.cargo/config.toml", Body: leaky(tok)}}
	}
	tarred := func(t *testing.T, tok, how string) []byte { return at.Compress(t, how, at.Tar(t, files(tok))) }
	zipped := func(t *testing.T, tok string, method uint16) []byte {
		return at.Zip(t, []at.File{{Name: "foo/README.md", Body: []byte(at.Filler(2000))}, {Name: "foo/config.toml", Body: leaky(tok), Method: method}})
	}
	pkg := []at.File{{Name: "usr/share/doc/foo/README", Body: []byte(at.Filler(2000))}}
	withEnv := func(tok string) []at.File {
		return append(pkg, at.File{Name: "etc/foo/foo.env", Body: leaky(tok)})
	}
	return []artifact{
		{"foo-x86_64-unknown-linux-gnu.tar.xz", func(t *testing.T, tok string) []byte {
			return at.Run(t, at.Tar(t, files(tok)), "xz", "-9", "-c", "-T1")
		}, "foo-1.2.3/.cargo/config.toml"},
		{"foo-x86_64-unknown-linux-gnu.tar.zst", func(t *testing.T, tok string) []byte { return tarred(t, tok, "zstd-tool") }, "foo-1.2.3/.cargo/config.toml"},
		{"foo-x86_64-unknown-linux-gnu.tar.bz2", func(t *testing.T, tok string) []byte { return tarred(t, tok, "bzip2") }, "foo-1.2.3/.cargo/config.toml"},
		{"foo-x86_64-unknown-linux-gnu.tar.lz4", func(t *testing.T, tok string) []byte { return tarred(t, tok, "lz4-tool") }, "foo-1.2.3/.cargo/config.toml"},
		{"foo_1.2.3_amd64-xz.deb", func(t *testing.T, tok string) []byte { return at.DpkgDeb(t, "xz", withEnv(tok)) }, "data.tar.xz!/etc/foo/foo.env"},
		{"foo_1.2.3_amd64-gzip.deb", func(t *testing.T, tok string) []byte { return at.DpkgDeb(t, "gzip", withEnv(tok)) }, "data.tar.gz!/etc/foo/foo.env"},
		{"foo_1.2.3_amd64-zstd.deb", func(t *testing.T, tok string) []byte { return at.DpkgDeb(t, "zstd", withEnv(tok)) }, "data.tar.zst!/etc/foo/foo.env"},
		{"foo-1.2.3-1.noarch.rpm", func(t *testing.T, tok string) []byte { return at.RPMBuild(t, "w19.zstdio", withEnv(tok)) }, "etc/foo/foo.env"},
		{"foo-1.2.3-1.xz.rpm", func(t *testing.T, tok string) []byte { return at.RPMBuild(t, "w9.xzdio", withEnv(tok)) }, "etc/foo/foo.env"},
		{"foo-bzip2.zip", func(t *testing.T, tok string) []byte { return zipped(t, tok, at.Bzip2) }, "foo/config.toml"},
		{"foo-lzma.zip", func(t *testing.T, tok string) []byte { return zipped(t, tok, at.LZMA) }, "foo/config.toml"},
		{"foo-zstd.zip", func(t *testing.T, tok string) []byte { return zipped(t, tok, at.Zstd) }, "foo/config.toml"},
		{"foo-installer.sh", func(t *testing.T, tok string) []byte {
			script := "#!/bin/sh\n# self-extracting installer\nexec unzip -o \"$0\" -d \"$HOME/.foo\"\nexit 0\n"
			return append([]byte(script), zipped(t, tok, 0)...)
		}, "foo/config.toml"},
		{"foo-installers.tar.gz", func(t *testing.T, tok string) []byte {
			script := "#!/bin/sh\n# self-extracting installer, shipped in a release archive\nexec unzip -o \"$0\"\n"
			inst := append([]byte(script), zipped(t, tok, 0)...)
			return at.Compress(t, "gzip", at.Tar(t, []at.File{{Name: "foo/install.sh", Body: inst}}))
		}, "foo/install.sh!/foo/config.toml"},
		{"notes.txt.xz", func(t *testing.T, tok string) []byte { return at.Compress(t, "xz-tool", leaky(tok)) }, "notes.txt"},
		{"notes.txt.zst", func(t *testing.T, tok string) []byte { return at.Compress(t, "zstd-tool", leaky(tok)) }, "notes.txt"},
		{"notes.txt.bz2", func(t *testing.T, tok string) []byte { return at.Compress(t, "bzip2", leaky(tok)) }, "notes.txt"},
		{"app-3f2a_bg.wasm", func(t *testing.T, tok string) []byte { return at.Wasm(append([]byte("config\x00"), tok...)) }, ""},
	}
}

// formatsReport is the part of the JSON report these tests read.
type formatsReport struct {
	Summary struct {
		Scanned, Failed, NotOpened int
	}
	Findings []struct {
		Sha256    string
		Locations []struct{ Target string }
	}
	Targets []struct {
		Target, State, Reason string
		NotOpened             []struct{ Part, Format, Reason string }
	}
}

func parseFormats(t *testing.T, out string) *formatsReport {
	t.Helper()
	var r formatsReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%.500s", err, out)
	}
	return &r
}

func (r *formatsReport) at(sha string) string {
	for _, f := range r.Findings {
		if f.Sha256 == sha {
			return f.Locations[0].Target
		}
	}
	return ""
}

// serveFiles serves files by path, as a release host does: as bytes.
func serveFiles(t *testing.T, files map[string][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEveryReleaseFormatIsOpened(t *testing.T) {
	src := &madeTokens{src: tokentest.New(1919)}
	dir := t.TempDir()
	served := map[string][]byte{}
	toks := map[string]string{}
	var urls []string
	arts := releaseArtifacts()
	for _, a := range arts {
		tok := src.API()
		b := a.build(t, tok)
		toks[a.name] = tok
		served["/releases/download/v1.2.3/"+a.name] = b
		if err := os.WriteFile(filepath.Join(dir, a.name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := serveFiles(t, served)
	for p := range served {
		urls = append(urls, srv.URL+p)
	}
	sort.Strings(urls)
	for how, args := range map[string][]string{"served": urls, "on disk": {dir}} {
		t.Run(how, func(t *testing.T) {
			r := cli(t, append([]string{"scan", "--format", "json"}, args...)...)
			noLeak(t, r, src.all()...)
			rep := parseFormats(t, r.stdout)
			if r.code != 1 || rep.Summary.NotOpened != 0 {
				t.Errorf("exit %d, %d not opened; want 1 and 0", r.code, rep.Summary.NotOpened)
			}
			found := 0
			for _, a := range arts {
				want := a.name
				if a.member != "" {
					want += "!/" + a.member
				}
				got := rep.at(sha(toks[a.name]))
				switch {
				case got == "":
					t.Errorf("%s: its token was not found", a.name)
				case !strings.HasSuffix(got, want):
					t.Errorf("%s: found at %s, want …%s", a.name, got, want)
				default:
					found++
				}
			}
			t.Logf("%s: %d of %d artifacts' tokens found", how, found, len(arts))
		})
	}
}

// all lists every token a Source made, for noLeak.
func (s *madeTokens) all() []string { return s.toks }

type madeTokens struct {
	src  *tokentest.Source
	toks []string
}

func (s *madeTokens) API() string {
	tok := s.src.API()
	s.toks = append(s.toks, tok)
	return tok
}

// TestCargoDistRelease: a release laid out as cargo-dist lays one out
// (per-target archives, checksums, installers, its manifest, the source
// archive), scanned as the directory the Action's paths input names.
func TestCargoDistRelease(t *testing.T) {
	src := tokentest.New(2020)
	inBinary, inSource := src.API(), src.API()
	dir := t.TempDir()
	bin := func(target string, leak bool) []at.File {
		body := []byte("\x7fELF" + at.Filler(3000))
		if leak {
			body = append(body, "CARGO_REGISTRY_TOKEN="+inBinary+"\x00"+at.Filler(3000)...)
		}
		name := "foo-" + target
		return []at.File{{Name: name + "/foo", Body: body}, {Name: name + "/README.md", Body: []byte(at.Filler(500))},
			{Name: name + "/LICENSE-MIT", Body: []byte("MIT\n")}}
	}
	files := map[string][]byte{
		"foo-x86_64-unknown-linux-gnu.tar.xz": at.Run(t, at.Tar(t, bin("x86_64-unknown-linux-gnu", true)), "xz", "-9", "-c", "-T1"),
		"foo-aarch64-apple-darwin.tar.xz":     at.Run(t, at.Tar(t, bin("aarch64-apple-darwin", false)), "xz", "-9", "-c", "-T1"),
		"foo-x86_64-pc-windows-msvc.zip":      at.Zip(t, bin("x86_64-pc-windows-msvc", false)),
		"foo-installer.sh":                    []byte("#!/bin/sh\n# installs foo from the GitHub release\nset -u\n" + at.Filler(2000)),
		"foo-installer.ps1":                   []byte("$ErrorActionPreference = 'Stop'\n" + at.Filler(1000)),
		"dist-manifest.json":                  []byte(`{"dist_version":"0.28.0","announcement_tag":"v1.2.3","artifacts":{}}`),
		"source.tar.gz": at.Compress(t, "gzip", at.Tar(t, []at.File{{Name: "foo-1.2.3/src/main.rs", Body: []byte("fn main() {}\n")},
			{Name: "foo-1.2.3/.env", Body: leaky(inSource)}})),
	}
	for name, b := range files {
		if name != "dist-manifest.json" && !strings.HasSuffix(name, ".sh") && !strings.HasSuffix(name, ".ps1") {
			files[name+".sha256"] = []byte(fmt.Sprintf("%x  %s\n", sha256.Sum256(b), name))
		}
	}
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	r := cli(t, "scan", "--format", "json", dir)
	noLeak(t, r, inBinary, inSource)
	rep := parseFormats(t, r.stdout)
	if r.code != 1 || rep.Summary.NotOpened != 0 || rep.Summary.Scanned != len(files) {
		t.Errorf("exit %d, %d scanned, %d not opened; want 1, %d, 0", r.code, rep.Summary.Scanned, rep.Summary.NotOpened, len(files))
	}
	for tok, want := range map[string]string{
		inBinary: "foo-x86_64-unknown-linux-gnu.tar.xz!/foo-x86_64-unknown-linux-gnu/foo",
		inSource: "source.tar.gz!/foo-1.2.3/.env",
	} {
		if got := rep.at(sha(tok)); !strings.HasSuffix(got, want) {
			t.Errorf("found at %q, want …%s", got, want)
		}
	}
}

// TestNotOpenedIsNeverClean: archives and members that are recognised but
// cannot be read are listed with their format and reason in every output,
// counted apart, and exit 3; the headline never says "No crates.io tokens
// found" without saying what was not read.
func TestNotOpenedIsNeverClean(t *testing.T) {
	body := []byte(at.Filler(20000))
	tarXz := at.Compress(t, "xz-tool", at.Tar(t, []at.File{{Name: "a/config.toml", Body: body}}))
	corrupt := bytes.Clone(tarXz)
	for i := len(corrupt) / 2; i < len(corrupt)/2+16; i++ {
		corrupt[i] ^= 0xa5
	}
	zst := at.Compress(t, "zstd", body)
	z := at.Zip(t, []at.File{{Name: "plain.txt", Body: []byte("hello\n"), Method: at.Store},
		{Name: "secret.txt", Body: body, Method: at.Store}, {Name: "d64.txt", Body: body, Method: at.Store}})
	z = at.SetZipFlags(z, "secret.txt", 1)
	z = at.SetZipMethod(z, "d64.txt", 9)
	files := map[string][]byte{
		"/corrupt.tar.xz":  corrupt,
		"/cut.txt.zst":     zst[:len(zst)/2],
		"/tools.7z":        append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), body[:200]...),
		"/members.zip":     z,
		"/not-a-zip.zip":   append([]byte("PK\x03\x04"), body[:300]...),
		"/clean.txt":       []byte("nothing here\n"),
		"/bad-window.zst":  append([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 30 << 3}, body[:100]...),
		"/bad-window.xz":   xzClaiming(t, 40),
		"/clean.tar.gz":    at.Compress(t, "gzip", at.Tar(t, at.Files("ok.txt", "fine\n"))),
		"/empty-member.gz": at.Compress(t, "gzip", nil),
	}
	srv := serveFiles(t, files)
	var urls []string
	for p := range files {
		urls = append(urls, srv.URL+p)
	}
	sort.Strings(urls)
	text := cli(t, append([]string{"scan"}, urls...)...)
	js := cli(t, append([]string{"scan", "--format", "json"}, urls...)...)
	rep := parseFormats(t, js.stdout)
	want := map[string]string{ // part -> format and words of its reason
		"corrupt.tar.xz!/corrupt.tar": "xz: the xz stream is corrupt",
		"cut.txt.zst!/cut.txt":        "zstd: the stream is cut short",
		"tools.7z":                    "7z: 7z archives are recognised but not decoded",
		"members.zip!/secret.txt":     "zip: encrypted",
		"members.zip!/d64.txt":        "zip: compressed with method 9 (deflate64)",
		"not-a-zip.zip":               "zip",
		"bad-window.zst":              "zstd: its header asks for a 1048576 MiB window",
		"bad-window.xz":               "xz: its header asks for a 4096.0 MiB window",
	}
	if text.code != 3 || js.code != 3 {
		t.Errorf("exit %d (text) and %d (json), want 3", text.code, js.code)
	}
	if rep.Summary.NotOpened != len(want) {
		t.Errorf("summary.notOpened %d, want %d", rep.Summary.NotOpened, len(want))
	}
	headline := strings.SplitN(text.stdout, "\n", 2)[0]
	if !strings.Contains(headline, fmt.Sprintf("but %d archives or members were not opened", len(want))) {
		t.Errorf("the headline does not say what was not opened: %s", headline)
	}
	for part, words := range want {
		line := ""
		for _, l := range strings.Split(text.stdout, "\n") {
			if strings.Contains(l, "not opened") && strings.Contains(l, "/"+part+" (") {
				line = l
			}
		}
		format, reason, _ := strings.Cut(words, ": ")
		if line == "" || !strings.Contains(line, "("+format+")") || !strings.Contains(line, reason) {
			t.Errorf("%s: the text says %q, want (%s) and %q", part, line, format, reason)
		}
		listed := false
		for _, tg := range rep.Targets {
			for _, u := range tg.NotOpened {
				listed = listed || strings.HasSuffix(u.Part, "/"+part) && u.Format == format
			}
		}
		if !listed {
			t.Errorf("%s is not listed as not opened in the JSON", part)
		}
		if !strings.Contains(string(js.sarif), part+" ("+format+")") {
			t.Errorf("%s: no SARIF notification", part)
		}
	}
	for _, tg := range rep.Targets {
		if strings.HasSuffix(tg.Target, "/tools.7z") && tg.State != "not-opened" {
			t.Errorf("tools.7z ended %s, want not-opened", tg.State)
		}
	}
	// The clean ones alone: clean.
	clean := cli(t, "scan", srv.URL+"/clean.txt", srv.URL+"/clean.tar.gz", srv.URL+"/empty-member.gz")
	if clean.code != 0 || strings.Contains(clean.stdout, "not opened") {
		t.Errorf("clean archives: exit %d\n%s", clean.code, clean.stdout)
	}
}

// xzClaiming is an xz stream whose first block's LZMA2 dictionary is
// property p (40: 4 GiB), checksums and all left as they are.
func xzClaiming(t *testing.T, p byte) []byte {
	x := at.Compress(t, "xz", []byte(at.Filler(1000)))
	// stream header (12), block header size, flags, filter ID 0x21, size 1, props
	i := 12
	for k := i + 2; k < i+int(x[i]+1)*4; k++ {
		if x[k] == 0x21 && x[k+1] == 1 {
			x[k+2] = p
			return x
		}
	}
	t.Fatal("no LZMA2 filter in the block header")
	return nil
}

// TestActionOpensEveryReleaseAsset: on a release event, the Action opens
// every asset whatever its format, as a user's release publishes them, and
// says in its outputs and job summary what it could not open.
func TestActionOpensEveryReleaseAsset(t *testing.T) {
	src := &madeTokens{src: tokentest.New(2121)}
	served := map[string][]byte{}
	var assets []string
	for _, a := range releaseArtifacts() {
		p := "/acme/crate/releases/download/v1.2.3/" + a.name
		served[p] = a.build(t, src.API())
		assets = append(assets, a.name)
	}
	served["/acme/crate/releases/download/v1.2.3/tools.7z"] = append([]byte("7z\xbc\xaf\x27\x1c\x00\x04"), at.Filler(100)...)
	assets = append(assets, "tools.7z")
	srv := serveFiles(t, served)
	var list []string
	for _, name := range assets {
		u := srv.URL + "/acme/crate/releases/download/v1.2.3/" + name
		list = append(list, fmt.Sprintf(`{"name":%q,"url":%q,"browser_download_url":%q}`, name, u, u))
	}
	payload := `{"action":"published","release":{"tag_name":"v1.2.3","assets":[` + strings.Join(list, ",") +
		`]},"repository":{"full_name":"acme/crate","private":false}}`
	res := newRunner(t, "release", payload).input("crates", "none").run()
	onlyMasked(t, res, src.all()...)
	if res.code != 1 || res.outputs["tokens"] != fmt.Sprint(len(src.all())) || res.outputs["not-opened"] != "1" || res.outputs["failed"] != "0" {
		t.Errorf("exit %d, outputs %v; want 1, %d tokens, 1 not opened", res.code, res.outputs, len(src.all()))
	}
	if !strings.Contains(res.summary, "### Not opened: 1") || !strings.Contains(res.summary, "7z archives are recognised but not decoded") {
		t.Errorf("the job summary does not list what was not opened:\n%s", res.summary)
	}
}

// TestScanBinaryMeansTheSameForFiles: a local image is skipped as a URL's
// or a member's is, unless --scan-binary; a file named as an image whose
// bytes are an archive is opened all the same; a directory says how many
// it passed over.
func TestScanBinaryMeansTheSameForFiles(t *testing.T) {
	src := tokentest.New(2525)
	inImage, inZip := src.API(), src.API()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "logo.png"), append([]byte("\x89PNG\r\n\x1a\n tEXt comment="), inImage...), 0o644)
	os.WriteFile(filepath.Join(dir, "photo.png"), at.Zip(t, at.Files("config.json", `{"t":"`+inZip+`"}`)), 0o644)
	r := cli(t, "scan", "--format", "json", dir)
	rep := parseFormats(t, r.stdout)
	if rep.at(sha(inImage)) != "" || rep.at(sha(inZip)) == "" || !strings.Contains(r.stdout, "1 binary file (images, fonts, audio, video) not scanned; --scan-binary scans them") {
		t.Errorf("without --scan-binary: the image's token %q, the zip's %q\n%s", rep.at(sha(inImage)), rep.at(sha(inZip)), r.stdout)
	}
	r = cli(t, "scan", "--format", "json", "--scan-binary", dir)
	if rep := parseFormats(t, r.stdout); rep.at(sha(inImage)) == "" {
		t.Errorf("--scan-binary: the image's token is not found")
	}
	r = cli(t, "scan", filepath.Join(dir, "logo.png"))
	if r.code != 0 || !strings.Contains(r.stdout, "skipped") || !strings.Contains(r.stdout, "binary content (.png); --scan-binary scans it") {
		t.Errorf("an image named as the target: exit %d\n%s", r.code, r.stdout)
	}
}

// TestTokensOutsideMembersAreFound: a token after a tar's end, in a zip's
// comment, or in an rpm's description is read and found: no byte of an
// archive is called scanned without being read.
func TestTokensOutsideMembersAreFound(t *testing.T) {
	src := tokentest.New(2929)
	afterEnd, inComment, inDesc := src.API(), src.API(), src.API()
	files := at.Files("a.txt", "member\n")
	tarred := append(at.Tar(t, files), "t = '"+afterEnd+"'\n"...)
	z := at.Zip(t, files)
	comment := "release " + inComment
	z[len(z)-2] = byte(len(comment))
	z = append(z, comment...)
	dir := t.TempDir()
	for name, b := range map[string][]byte{
		"after.tar.gz": at.Compress(t, "gzip", tarred), "comment.zip": z,
		"desc.rpm": at.RPMWith(t, "xz", files, map[uint32]string{1005: "token " + inDesc}),
	} {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	r := cli(t, "scan", "--format", "json", dir)
	noLeak(t, r, afterEnd, inComment, inDesc)
	rep := parseFormats(t, r.stdout)
	for tok, want := range map[string]string{
		afterEnd:  "after.tar.gz!/(after the end of the archive)",
		inComment: "comment.zip!/(zip comment)",
		inDesc:    "desc.rpm!/(rpm header)",
	} {
		if got := rep.at(sha(tok)); !strings.HasSuffix(got, want) {
			t.Errorf("found at %q, want …%s", got, want)
		}
	}
}
