package main

// Hostile content, class 1: workflow-command and terminal injection. Text
// a certificate, a file name or a source map carries must reach stdout,
// stderr, SARIF, JSON and the job summary only escaped: no forged
// annotation, no escape sequence a terminal would obey.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	at "github.com/cratesguard/cratesguard/internal/archivetest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// forged are names that try to start a workflow command, move the cursor,
// set the window title or erase the line.
var forged = []string{
	"\n::error title=Forged::pwned",
	"\r::warning::forged by \\r",
	"\x1b]0;window-title\x07",
	"\x1b[2K\x1b[1Gerased",
	"\u009b31mC1-CSI",
	"::stop-commands::halt",
}

// hostileCert is a self-signed certificate whose DNS names are the forged
// strings: Go's handshake error lists them.
func hostileCert(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var ascii []string // a certificate's names are IA5 (ASCII) strings
	for _, f := range forged {
		if f == strings.ToValidUTF8(f, "") && !strings.ContainsRune(f, '\u009b') {
			ascii = append(ascii, f)
		}
	}
	tmpl := x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: ascii,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestInjectionThroughACertificate(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{hostileCert(t)}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/" // so the names are listed

	r := cli(t, "scan", "--retries", "0", url)
	if r.code != 3 || !strings.Contains(r.stdout, `\x0a::error title=Forged::pwned`) {
		t.Fatalf("exit %d; the failure reason should show the names escaped:\n%s", r.code, r.stdout)
	}
	checkStdout(t, r.stdout)
	checkNoControl(t, "stderr", r.stderr)
	var doc any
	if err := json.Unmarshal(r.sarif, &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if strings.Contains(string(r.sarif), `\u001b`) || strings.Contains(string(r.sarif), `\n::error`) {
		t.Errorf("SARIF text carries the raw escape or line break")
	}

	res := newRunner(t, "release", releasePayload).input("urls", url).input("retries", "0").run()
	checkStdout(t, res.stdout)
	checkNoControl(t, "summary", res.summary)
	checkRendered(t, cmarkGFM(t, res.summary), -1)
}

// TestInjectionThroughFileNames: files named to forge commands, each
// holding a token, in a build output scanned by the CLI and the Action.
func TestInjectionThroughFileNames(t *testing.T) {
	src := tokentest.New(201)
	r := newRunner(t, "release", releasePayload)
	dist := filepath.Join(r.workspace, "dist")
	os.MkdirAll(dist, 0o755)
	var toks []string
	for i, name := range forged {
		tok := src.API()
		toks = append(toks, tok)
		name = strings.ReplaceAll(name, "/", "_") + fmt.Sprintf("-%d.js", i)
		if err := os.WriteFile(filepath.Join(dist, name), []byte("export const t = '"+tok+"';\n"), 0o644); err != nil {
			t.Fatalf("creating %q: %v", name, err)
		}
	}
	// A symlink named to forge one too: reported as skipped, by name.
	os.Symlink("/etc/hostname", filepath.Join(dist, "\n::error::link"))

	cliRes := cli(t, "scan", "--format", "text", dist)
	if cliRes.code != 1 {
		t.Fatalf("exit %d\n%s", cliRes.code, cliRes.stdout)
	}
	checkStdout(t, cliRes.stdout)
	checkSecrets(t, map[string]string{"stdout": cliRes.stdout, "stderr": cliRes.stderr, "SARIF": string(cliRes.sarif)}, toks...)
	jsonRes := cli(t, "scan", "--format", "json", dist)
	var js struct{ Findings []any }
	if err := json.Unmarshal([]byte(jsonRes.stdout), &js); err != nil || len(js.Findings) != len(forged) {
		t.Errorf("JSON: %v, %d findings", err, len(js.Findings))
	}

	res := r.input("paths", "dist").run()
	if res.code != 1 {
		t.Fatalf("action exit %d\n%s", res.code, res.stdout)
	}
	checkStdout(t, res.stdout, toks...)
	checkSecrets(t, map[string]string{"stdout": res.stdout, "summary": res.summary, "outputs": res.outputFileBytes, "SARIF": string(res.sarif)}, toks...)
	annotations := 0
	for _, c := range runnerCommands(res.stdout) {
		if c.name == "error" && c.props["file"] != "" {
			annotations++
			if strings.ContainsAny(c.props["file"], "\n\r\x1b") {
				t.Errorf("annotation file= carries a raw control character: %q", c.props["file"])
			}
		}
	}
	if annotations != len(forged) {
		t.Errorf("%d file annotations, want %d", annotations, len(forged))
	}
	checkNoControl(t, "summary", res.summary)
}

// TestInjectionThroughSourceMapNames: a source map whose sources are named
// to forge commands, escape the terminal and break the summary table; each
// sourcesContent holds a token, so each name is printed.
func TestInjectionThroughSourceMapNames(t *testing.T) {
	src := tokentest.New(202)
	names := append(append([]string{}, forged...), "x`|</td>[phish](https://evil.example/)![t](https://evil.example/t.png)\r\n# Heading")
	var toks []string
	var contents []string
	for range names {
		tok := src.API()
		toks = append(toks, tok)
		contents = append(contents, "export const t = '"+tok+"';\n")
	}
	sources, _ := json.Marshal(names)
	content, _ := json.Marshal(contents)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app.js":
			io.WriteString(w, "console.log(1);\n//# sourceMappingURL=app.js.map\n")
		case "/app.js.map":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"version":3,"sources":%s,"sourcesContent":%s,"mappings":"AAAA"}`, sources, content)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	r := cli(t, "scan", srv.URL+"/app.js")
	if r.code != 1 || !strings.Contains(r.stdout, "sourcesContent of") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	checkStdout(t, r.stdout)
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr, "SARIF": string(r.sarif)}, toks...)

	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/app.js").run()
	checkStdout(t, res.stdout, toks...)
	checkSecrets(t, map[string]string{"summary": res.summary, "SARIF": string(res.sarif)}, toks...)
	checkRendered(t, cmarkGFM(t, res.summary), 1+len(names))
}

// TestInjectionThroughUnopenedMembers: members that cannot be opened
// (encrypted) are listed by name in every output: names that forge
// commands, escape the terminal, break the summary's table or carry a
// token reach each sink only through its sanitizer, the token redacted.
func TestInjectionThroughUnopenedMembers(t *testing.T) {
	tok := tokentest.New(203).API()
	names := append(append([]string{}, forged...), "x`|</td>[phish](https://evil.example/)![t](https://evil.example/t.png)\r\n# Heading",
		"creds/"+tok+".txt", "\u200blook\u202ealike\ufeff.txt")
	var files []at.File
	for _, n := range names {
		files = append(files, at.File{Name: n, Body: []byte("x"), Method: at.Store})
	}
	z := at.Zip(t, files)
	for _, n := range names {
		z = at.SetZipFlags(z, n, 1)
	}
	srv := serveFiles(t, map[string][]byte{"/release.zip": z})
	r := cli(t, "scan", srv.URL+"/release.zip")
	// The token in a member's name is itself a leak (unzip -l shows it):
	// exit 1, whatever was not opened.
	if r.code != 1 || strings.Count(r.stdout, "not opened  ") != len(names) || !strings.Contains(r.stdout, "1 crates.io token found") {
		t.Fatalf("exit %d, want 1 (the token in a name) and %d parts not opened:\n%s", r.code, len(names), r.stdout)
	}
	checkStdout(t, r.stdout)
	if !strings.Contains(r.stdout, `%E2%80%8Blook%E2%80%AEalike%EF%BB%BF.txt`) {
		t.Errorf("the look-alike name is not shown escaped in a URL:\n%s", r.stdout)
	}
	// On disk, a member's name is shown as written, but for what prints
	// nothing or passes for another character.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "release.zip"), z, 0o644)
	local := cli(t, "scan", dir)
	checkStdout(t, local.stdout)
	if !strings.Contains(local.stdout, `\u{200b}look\u{202e}alike\u{feff}.txt`) {
		t.Errorf("the look-alike name is not shown escaped:\n%s", local.stdout)
	}
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr, "SARIF": string(r.sarif)}, tok)
	js := cli(t, "scan", "--format", "json", srv.URL+"/release.zip")
	var doc struct{ Summary struct{ NotOpened int } }
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil || doc.Summary.NotOpened != len(names) {
		t.Errorf("JSON: %v, %d not opened", err, doc.Summary.NotOpened)
	}
	checkSecrets(t, map[string]string{"JSON": js.stdout}, tok)

	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/release.zip").run()
	if res.code != 1 || res.outputs["not-opened"] != fmt.Sprint(len(names)) {
		t.Errorf("action: exit %d, outputs %v", res.code, res.outputs)
	}
	checkStdout(t, res.stdout, tok) // the runner is told to mask the token found in a name
	checkNoControl(t, "summary", res.summary)
	checkSecrets(t, map[string]string{"stdout": res.stdout, "summary": res.summary, "SARIF": string(res.sarif)}, tok)
	checkRendered(t, cmarkGFM(t, res.summary), 2+1+len(names)) // the findings table (head, one row), then the not-opened one
}
