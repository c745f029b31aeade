package main

// What a release publishes is archives: a .crate (a gzipped tar), release
// assets (.tar.gz, .zip), a bare .gz. Each member is scanned as its own
// part, named after its archive (…/foo-1.2.3.crate!/foo-1.2.3/.cargo/
// config.toml), served or on disk; hostile archives (bombs, ../ names,
// links, deep nesting, too many members) are cut and reported.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

type member struct {
	name, body string
	link       string // a symbolic link to this, instead of a body
}

func tarOf(t *testing.T, members []member) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}
		if m.link != "" {
			h = &tar.Header{Name: m.name, Linkname: m.link, Typeflag: tar.TypeSymlink}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(m.body))
	}
	tw.Close()
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func zipOf(t *testing.T, members []member) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m.body))
	}
	zw.Close()
	return b.Bytes()
}

// publication is what a release of crate foo 1.2.3 publishes, with tokens
// where they really travel.
type publication struct {
	tok   map[string]string
	files map[string][]byte // served path -> bytes
}

func newRelease(t *testing.T) *publication {
	src := tokentest.New(1212)
	r := &publication{tok: map[string]string{}, files: map[string][]byte{}}
	for _, k := range []string{"config", "fixture", "zipped", "nested", "bare"} {
		r.tok[k] = src.API()
	}
	r.files["/crates/foo/foo-1.2.3.crate"] = gz(tarOf(t, []member{
		{name: "foo-1.2.3/Cargo.toml", body: "[package]\nname = \"foo\"\nversion = \"1.2.3\"\n"},
		{name: "foo-1.2.3/src/lib.rs", body: "pub fn f() {}\n"},
		{name: "foo-1.2.3/.cargo/config.toml", body: "[registry]\ntoken = \"" + r.tok["config"] + "\"\n"},
		{name: "foo-1.2.3/tests/fixture.env", body: "A=1\nCARGO_REGISTRY_TOKEN=" + r.tok["fixture"] + "\n"},
	}))
	inner := gz(tarOf(t, []member{{name: "deploy/.env", body: "TOKEN=" + r.tok["nested"] + "\n"}}))
	r.files["/releases/download/v1.2.3/foo-v1.2.3-x86_64-linux.zip"] = zipOf(t, []member{
		{name: "foo/README.md", body: "# foo\n"},
		{name: "foo/config/app.json", body: `{"publish": "` + r.tok["zipped"] + `"}`},
		{name: "foo/backup.tar.gz", body: string(inner)},
	})
	r.files["/notes.txt.gz"] = gz([]byte("release notes\nkey " + r.tok["bare"] + "\n"))
	return r
}

func (r *publication) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, ok := r.files[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream") // as release hosts serve them
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (r *publication) all() []string {
	var out []string
	for _, tok := range r.tok {
		out = append(out, tok)
	}
	return out
}

func TestArchivesAreScannedMemberByMember(t *testing.T) {
	rel := newRelease(t)
	srv := rel.serve(t)
	dir := t.TempDir()
	for p, b := range rel.files {
		os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
	}
	want := map[string]string{ // token -> where it must be reported
		rel.tok["config"]:  "foo-1.2.3.crate!/foo-1.2.3/.cargo/config.toml",
		rel.tok["fixture"]: "foo-1.2.3.crate!/foo-1.2.3/tests/fixture.env",
		rel.tok["zipped"]:  "foo-v1.2.3-x86_64-linux.zip!/foo/config/app.json",
		rel.tok["nested"]:  "foo-v1.2.3-x86_64-linux.zip!/foo/backup.tar.gz!/deploy/.env",
		rel.tok["bare"]:    "notes.txt.gz!/notes.txt",
	}
	urls := []string{srv.URL + "/crates/foo/foo-1.2.3.crate", srv.URL + "/releases/download/v1.2.3/foo-v1.2.3-x86_64-linux.zip", srv.URL + "/notes.txt.gz"}
	for name, args := range map[string][]string{"served": urls, "on disk": {dir}} {
		t.Run(name, func(t *testing.T) {
			r := cli(t, append([]string{"scan", "--format", "json"}, args...)...)
			if r.code != 1 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			noLeak(t, r, rel.all()...)
			rep := parseJSON(t, r.stdout)
			for tok, place := range want {
				f := rep.finding(sha(tok))
				if f == nil {
					t.Errorf("not found: the token in %s", place)
					continue
				}
				if !strings.HasSuffix(f.Locations[0].Target, place) {
					t.Errorf("the token in %s is reported at %s", place, f.Locations[0].Target)
				}
			}
			// The SARIF names the member in a path that outlives the
			// release: the next version's crate keeps the alert.
			uris := strings.NewReplacer("%5B", "[", "%5D", "]", "%21", "!").Replace(string(r.sarif))
			if !strings.Contains(uris, `foo-[version].crate!/foo-[version]/.cargo/config.toml"`) {
				t.Error("the SARIF location of the crate's member is not version-free")
			}
		})
	}
	// Line and column are inside the member.
	r := cli(t, "scan", urls[0])
	if !strings.Contains(r.stdout, "foo-1.2.3.crate!/foo-1.2.3/.cargo/config.toml:2:10") {
		t.Errorf("the place is not the member's line 2, column 10:\n%s", r.stdout)
	}
}

func TestHostileArchives(t *testing.T) {
	src := tokentest.New(1313)
	climb, deep, link := src.API(), src.API(), src.API()
	files := map[string][]byte{}
	// Names that would climb out of the extraction directory, and links.
	files["/tricks.tar.gz"] = gz(tarOf(t, []member{
		{name: "../../home/runner/.cargo/credentials.toml", body: "token = \"" + climb + "\"\n"},
		{name: "/etc/cron.d/x", body: "* * * * * root true\n"},
		{name: "pkg/creds", link: "/home/runner/.cargo/credentials.toml"},
	}))
	// Three levels: the third is not opened.
	level3 := gz(tarOf(t, []member{{name: "l3.txt", body: deep}}))
	level2 := gz(tarOf(t, []member{{name: "l3.tar.gz", body: string(level3)}}))
	files["/deep.tar.gz"] = gz(tarOf(t, []member{{name: "l2.tar.gz", body: string(level2)}}))
	// A zip bomb: 256 MiB of zeros in one member, under --max-bytes 8MiB.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("zeros.bin.txt")
	zero := make([]byte, 1<<20)
	for i := 0; i < 256; i++ {
		w.Write(zero)
	}
	zw.Close()
	files["/bomb.zip"] = bomb.Bytes()
	// Too many members.
	var many []member
	for i := 0; i < 10001; i++ {
		many = append(many, member{name: fmt.Sprintf("m/%05d.txt", i), body: "x"})
	}
	many = append(many, member{name: "m/last.txt", body: link})
	files["/many.tar"] = tarOf(t, many)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(files[r.URL.Path])
	}))
	defer srv.Close()

	r := cli(t, "scan", "--max-bytes", "8MiB", "--format", "json",
		srv.URL+"/tricks.tar.gz", srv.URL+"/deep.tar.gz", srv.URL+"/bomb.zip")
	mr := cli(t, "scan", "--format", "json", srv.URL+"/many.tar") // 10 MB of tar headers
	noLeak(t, r, climb, deep, link)
	noLeak(t, mr, link)
	// What was cut was not read: exit 3, counted apart, never "clean".
	if r.code != 1 || mr.code != 3 {
		t.Errorf("exit %d and %d, want 1 (a token) and 3 (parts not opened)", r.code, mr.code)
	}
	if parseJSON(t, mr.stdout).finding(sha(link)) != nil {
		t.Error("the member past the member cap was scanned")
	}
	rep := parseJSON(t, r.stdout)
	r.stdout += mr.stdout
	if rep.finding(sha(climb)) == nil {
		t.Error("the member with a climbing name was not scanned")
	}
	for _, want := range []string{
		"%2E%2E/%2E%2E/home/runner/.cargo/credentials.toml: a name with ../",
		"%2Fetc/cron.d/x: an absolute name",
		"pkg/creds: a symbolic link (to /home/runner/.cargo/credentials.toml): not followed",
		`l3.tar.gz",
          "format": "gzip",
          "reason": "an archive nested deeper than 2 archives: not opened"`,
		"decodes to more than --max-bytes 8388608 in all (a zip bomb?)",
		`many.tar",
          "format": "tar",
          "reason": "more than 10000 members: the rest were not opened"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}

// TestMemberNamesNeverPointIntoTheRepository: a member named to climb into
// the repository (../../src/main.rs) or out of it (/etc/passwd, ../…/etc/
// passwd) is located in its archive, by its name as written: no SARIF
// location, annotation or text names the repository's src/main.rs or
// /etc/passwd, which never held the token. The repository's own file is
// named only when it holds the token itself.
func TestMemberNamesNeverPointIntoTheRepository(t *testing.T) {
	src := tokentest.New(2121)
	climb, abs, deep := src.API(), src.API(), src.API()
	r := newRunner(t, "release", releasePayload)
	repo := r.workspace
	os.MkdirAll(filepath.Join(repo, "src"), 0o755)
	os.WriteFile(filepath.Join(repo, "src", "main.rs"), []byte("fn main() {}\n"), 0o644)
	os.MkdirAll(filepath.Join(repo, "dist"), 0o755)
	os.WriteFile(filepath.Join(repo, "dist", "release.tar.gz"), gz(tarOf(t, []member{
		{name: "../../src/main.rs", body: "const T: &str = \"" + climb + "\";\n"},
		{name: "/etc/passwd", body: "root:" + abs + "\n"},
		{name: "../../../../../../../etc/passwd", body: "root:" + deep + "\n"},
	})), 0o644)
	c := cli(t, "scan", "--repo", repo, filepath.Join(repo, "dist"))
	noLeak(t, c, climb, abs, deep)
	res := r.input("paths", "dist").run()
	if c.code != 1 || res.code != 1 {
		t.Fatalf("exit %d (cli), %d (action)\n%s", c.code, res.code, c.stdout)
	}
	for name, log := range map[string][]byte{"cli": c.sarif, "action": res.sarif} {
		uris := 0
		for _, run := range parseSARIF(t, log).Runs {
			for _, res := range run.Results {
				for _, l := range res.Locations {
					u := l.PhysicalLocation.ArtifactLocation.URI
					uris++
					dec, _ := url.PathUnescape(u)
					if dec == "src/main.rs" || strings.Contains(dec, "/../") || !strings.Contains(dec, "release.tar.gz!/%2") {
						t.Errorf("%s: a member is located at %q", name, u)
					}
				}
			}
		}
		if uris != 3 {
			t.Errorf("%s: %d locations, want 3", name, uris)
		}
	}
	for _, cmd := range runnerCommands(res.stdout) {
		if f := cmd.props["file"]; f == "src/main.rs" || f == "/etc/passwd" {
			t.Errorf("an annotation on %s", f)
		}
	}
	for _, want := range []string{"release.tar.gz!/%2E%2E/%2E%2E/src/main.rs:1:", "release.tar.gz!/%2Fetc/passwd:1:"} {
		if !strings.Contains(c.stdout, want) {
			t.Errorf("the text does not name %s:\n%s", want, c.stdout)
		}
	}
	// The repository's file holds the token: then, and only then, it is named.
	os.WriteFile(filepath.Join(repo, "src", "main.rs"), []byte("const T: &str = \""+climb+"\";\n"), 0o644)
	c = cli(t, "scan", "--repo", repo, filepath.Join(repo, "dist"))
	if !strings.Contains(c.stdout, "src/main.rs:1") {
		t.Errorf("the repository's own file, which holds the token, is not named:\n%s", c.stdout)
	}
}
