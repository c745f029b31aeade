package main

// Hostile content, class 2: full tokens (and header secrets) printed
// through URLs and names. A token in a link, a redirect, a target, a
// source-map source name, a file name or a malformed line of a targets or
// ignore file must never appear in full in any output; neither must a
// --header value a server reflects back.

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestLeaksThroughURLsAndNames(t *testing.T) {
	src := tokentest.New(210)
	inQuery, inPath, inUser, inLocation, inSource, inContent := src.API(), src.API(), src.API(), src.API(), src.API(), src.API()
	const secret = "staging-secret-7d1f"
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	var requested []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-mu
		requested = append(requested, r.URL.String())
		mu <- struct{}{}
		echo := url.QueryEscape(r.Header.Get("X-Staging")) // a server that reflects the header
		host := strings.TrimPrefix(srv.URL, "http://")
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="/cb?token=%s">a</a><script src="/static/%s/app.js"></script>`+
				`<a href="http://%s@%s/x">u</a><a href="/r">r</a><a href="/reflect?h=%s">h</a>`+
				`<script src="/bundle.js"></script>`, inQuery, inPath, inUser, host, echo)
		case "/r":
			http.Redirect(w, r, "/next?t="+inLocation+"&h="+echo, http.StatusFound)
		case "/bundle.js":
			io.WriteString(w, "x=1;\n//# sourceMappingURL=bundle.js.map\n")
		case "/bundle.js.map":
			fmt.Fprintf(w, `{"version":3,"sources":["src/%s.ts"],"sourcesContent":["const t = '%s';"],"mappings":"AAAA"}`, inSource, inContent)
		default:
			io.WriteString(w, "nothing")
		}
	}))
	defer srv.Close()
	all := []string{inQuery, inPath, inUser, inLocation, inSource, inContent, secret}

	for _, format := range []string{"text", "json"} {
		r := cli(t, "scan", "--format", format, "--header", "X-Staging: "+secret, srv.URL+"/")
		if r.code != 1 {
			t.Fatalf("%s: exit %d\n%s%s", format, r.code, r.stdout, r.stderr)
		}
		outs := map[string]string{"stdout": r.stdout, "stderr": r.stderr, "SARIF": string(r.sarif)}
		checkSecrets(t, outs, all...)
		checkNoTokenShape(t, outs)
		if format != "json" {
			continue
		}
		// Not printed, but reported: each token is a finding, by its hash.
		rep := parseFormats(t, r.stdout)
		for name, tok := range map[string]string{"in a link's query": inQuery, "in a script's path": inPath,
			"in a link's userinfo": inUser, "in a redirect's Location": inLocation, "in a source map's source name": inSource,
			"in a source map's sourcesContent": inContent} {
			if rep.at(sha(tok)) == "" {
				t.Errorf("the token %s is not reported", name)
			}
		}
	}
	// The scanned site never receives a token back: URLs holding one are
	// not fetched (the token is reported where the link was).
	for _, u := range requested {
		for _, tok := range all[:6] {
			if strings.Contains(u, tok) {
				t.Errorf("a request carried a token: %.60s…", u)
			}
		}
	}

	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").input("headers", "X-Staging: "+secret).run()
	outs := map[string]string{"stdout": res.stdout, "stderr": res.stderr, "summary": res.summary, "outputs": res.outputFileBytes, "SARIF": string(res.sarif)}
	checkSecrets(t, outs, all...)
	checkNoTokenShape(t, outs)
	checkStdout(t, res.stdout, append(all[:6:6], secret)...)
}

func TestLeaksThroughTargetsAndFiles(t *testing.T) {
	src := tokentest.New(211)
	inTarget, inFileName, inFile, inList, inIgnore := src.API(), src.API(), src.API(), src.API(), src.API()
	dir := t.TempDir()
	all := []string{inTarget, inFileName, inFile, inList, inIgnore}

	// A target given on the command line, and in the Action's urls.
	r := cli(t, "scan", "https://example.invalid/cb?token="+inTarget)
	if r.code != 2 || !strings.Contains(r.stderr, "holds a crates.io token") {
		t.Errorf("a token in a target: exit %d %q", r.code, r.stderr)
	}
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr}, all...)
	res := newRunner(t, "release", releasePayload).input("urls", "https://example.invalid/?t="+inTarget).run()
	if res.code != 2 {
		t.Errorf("a token in urls: exit %d", res.code)
	}
	checkSecrets(t, map[string]string{"stdout": res.stdout, "summary": res.summary}, all...)

	// A file named after a token, holding another.
	os.WriteFile(filepath.Join(dir, inFileName+".js"), []byte("t='"+inFile+"'"), 0o644)
	r = cli(t, "scan", "--format", "json", dir)
	if r.code != 1 {
		t.Errorf("file named after a token: exit %d", r.code)
	}
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr, "SARIF": string(r.sarif)}, all...)
	checkNoTokenShape(t, map[string]string{"stdout": r.stdout, "SARIF": string(r.sarif)})

	// A targets-file line and an ignore-file line that hold a token.
	list := filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte("# deployments\nCARGO_REGISTRY_TOKEN="+inList+"\n"), 0o644)
	r = cli(t, "scan", "--targets-file", list)
	if r.code != 2 || !strings.Contains(r.stderr, "targets.txt:2") {
		t.Errorf("targets file: exit %d %q", r.code, r.stderr)
	}
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr}, all...)
	ign := filepath.Join(dir, "ignore")
	os.WriteFile(ign, []byte("CARGO_REGISTRY_TOKEN="+inIgnore+" oops\n"), 0o644)
	r = cli(t, "scan", "--ignore-file", ign, dir)
	if r.code != 2 || !strings.Contains(r.stderr, "ignore:1") {
		t.Errorf("ignore file: exit %d %q", r.code, r.stderr)
	}
	checkSecrets(t, map[string]string{"stdout": r.stdout, "stderr": r.stderr}, all...)
	ws := newRunner(t, "release", releasePayload)
	os.WriteFile(filepath.Join(ws.workspace, "urls.txt"), []byte("CARGO_REGISTRY_TOKEN="+inList+"\n"), 0o644)
	res = ws.input("urls-file", "urls.txt").run()
	if res.code != 2 || !strings.Contains(res.stdout, "urls.txt:1") {
		t.Errorf("urls-file: exit %d\n%s", res.code, res.stdout)
	}
	checkSecrets(t, map[string]string{"stdout": res.stdout}, all...)

	// A header value without a colon is not echoed, however short.
	for _, h := range []string{"shortval", "Authorization Bearer long-secret-value"} {
		r = cli(t, "scan", "--header", h, dir)
		if r.code != 2 || strings.Contains(r.stderr, "shortval") || strings.Contains(r.stderr, "long-secret-value") {
			t.Errorf("--header %q: exit %d %q", h, r.code, r.stderr)
		}
	}
}
