package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

var bundleToken = regexp.MustCompile(`\{\{token ([a-z]+)\}\}`)

// serveBundle serves testdata/bundlers/NAME as an SPA host does.
func serveBundle(t *testing.T, name string) (*httptest.Server, map[string]string) {
	t.Helper()
	return serveBuild(t, filepath.Join("..", "..", "testdata", "bundlers", name), map[string]string{"/api/settings": "api"})
}

// serveBuild serves the build in root as an SPA host does: a file where
// one exists, each path of runtime (the config only the running app asks
// for) as JSON with the token of its name, and index.html for any other
// path (Next.js's export: its 404.html with 404). Tokens are generated for
// the placeholders the build carries and for runtime's names.
func serveBuild(t *testing.T, root string, runtime map[string]string) (*httptest.Server, map[string]string) {
	t.Helper()
	name := filepath.Base(root)
	if name == "site" {
		name = filepath.Base(filepath.Dir(root))
	}
	src := tokentest.New(uint64(len(name)) * 7919)
	toks := map[string]string{}
	for _, p := range slices.Sorted(maps.Keys(runtime)) {
		toks[runtime[p]] = src.API()
	}
	fill := func(b []byte) []byte {
		return bundleToken.ReplaceAllFunc(b, func(m []byte) []byte {
			k := string(bundleToken.FindSubmatch(m)[1])
			if _, ok := toks[k]; !ok {
				toks[k] = src.API()
			}
			return []byte(toks[k])
		})
	}
	files := readTree(t, root, "/", fill)
	next := strings.HasPrefix(name, "nextjs")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/" {
			p = "/index.html"
		}
		if b, ok := files[p]; ok {
			w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(p)))
			w.Write(b)
			return
		}
		switch {
		case runtime[p] != "":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"registryToken":%q,"admin":true}`, toks[runtime[p]])
		case next && strings.HasPrefix(p, "/_next/static/chunks/") && strings.HasSuffix(p, ".js"):
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, "/* a framework chunk left out of the excerpt */")
		case next:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			w.Write(files["/404.html"])
		default: // the SPA fallback
			w.Header().Set("Content-Type", "text/html")
			w.Write(files["/index.html"])
		}
	}))
	t.Cleanup(srv.Close)
	return srv, toks
}

// readTree reads every file under root into a map from URL path (prefix
// followed by the file's slash path) to its content, passed through fill.
func readTree(t *testing.T, root, prefix string, fill func([]byte) []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[prefix+filepath.ToSlash(rel)] = fill(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBundlerRuntimes crawls each real build and finds every token, those
// only its runtime reaches included (chunk maps, fetch() config, workers,
// Next.js's chunk base path), and never counts the host's fallback page,
// served for a guessed URL, as scanned.
func TestBundlerRuntimes(t *testing.T) {
	ents, err := os.ReadDir(filepath.Join("..", "..", "testdata", "bundlers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		name := ent.Name()
		t.Run(name, func(t *testing.T) {
			srv, toks := serveBundle(t, name)
			r := cli(t, "scan", "--format", "json", srv.URL+"/")
			var js struct {
				Findings []struct{ Sha256 string }
				Targets  []struct {
					Target, State, Reason, Via string
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			found := map[string]bool{}
			for _, f := range js.Findings {
				found[f.Sha256] = true
			}
			for k, tok := range toks {
				if !found[sha(tok)] {
					t.Errorf("the %s token was not found", k)
				}
			}
			files := map[string]bool{}
			root := filepath.Join("..", "..", "testdata", "bundlers", name)
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(root, p)
					files["/"+filepath.ToSlash(rel)] = true
				}
				return nil
			})
			for _, tg := range js.Targets {
				p := strings.TrimPrefix(tg.Target, srv.URL)
				if tg.State == "scanned" && !files[p] && p != "/" && p != "/api/settings" && !strings.HasPrefix(p, "/_next/static/chunks/") {
					t.Errorf("%s (%s) counts as scanned, but the build has no such file", p, tg.Via)
				}
			}
			noLeak(t, r, func() []string {
				var out []string
				for _, tok := range toks {
					out = append(out, tok)
				}
				return out
			}()...)
		})
	}
}
