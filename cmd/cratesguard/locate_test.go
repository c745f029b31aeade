package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// vlq encodes source-map VLQ values, for building a real mappings string.
func vlq(vals ...int) string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for _, v := range vals {
		u := v << 1
		if v < 0 {
			u = (-v << 1) | 1
		}
		for {
			d := u & 31
			u >>= 5
			if u > 0 {
				d |= 32
			}
			b.WriteByte(b64[d])
			if u == 0 {
				break
			}
		}
	}
	return b.String()
}

// deployment serves a bundle built from src/config.ts (the token inlined on
// bundle line 2) and its source map, whose mappings send bundle line 2 to
// src/config.ts line 4. withContent puts the original source in the map.
func deployment(t *testing.T, tok string, withContent bool) *httptest.Server {
	bundle := "(()=>{\"use strict\";\nconst e={token:\"" + tok + "\"};window.cfg=e})();\n//# sourceMappingURL=main.js.map\n"
	// line 1: col 0 -> src 0 line 0; line 2: col 0 -> src 0 line 3 (delta +3)
	mappings := vlq(0, 0, 0, 0) + ";" + vlq(0, 0, 3, 0)
	content := ""
	if withContent {
		content = `,"sourcesContent":["// settings\nimport { env } from \"./env\";\n\nexport const token = \"` + tok + `\";\n"]`
	}
	srcmap := `{"version":3,"file":"main.js","sources":["webpack://acme/./src/config.ts"]` + content + `,"mappings":"` + mappings + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<script src="/static/main.js"></script>`)
		case "/static/main.js":
			w.Header().Set("Content-Type", "application/javascript")
			io.WriteString(w, bundle)
		case "/static/main.js.map":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, srcmap)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

type primary struct {
	uri  string
	line int
}

func primaryOf(t *testing.T, sarif []byte, tok string) (primary, int) {
	t.Helper()
	for _, r := range parseSARIF(t, sarif).Runs[0].Results {
		if r.Properties["tokenSha256"] == sha(tok) {
			pl := r.Locations[0].PhysicalLocation
			line := 0
			if pl.Region != nil {
				line = pl.Region.StartLine
			}
			return primary{pl.ArtifactLocation.URI, line}, len(r.RelatedLocations)
		}
	}
	t.Fatal("token not in the results")
	return primary{}, 0
}

func checkout(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	return dir
}

func TestAlertsPointAtTheRepository(t *testing.T) {
	src := tokentest.New(110)
	tok := src.API()
	fingerprints := map[string]bool{}
	fp := func(r result) {
		for _, x := range parseSARIF(t, r.sarif).Runs[0].Results {
			fingerprints[x.PartialFingerprints["primaryLocationLineHash"]] = true
		}
	}

	t.Run("token in the checkout", func(t *testing.T) {
		repo := checkout(t, map[string]string{
			"src/config.ts": "// settings\nimport { env } from \"./env\";\n\nexport const token = \"" + tok + "\";\n",
			".gitignore":    "dist/\n",
			"dist/main.js":  "const e={token:\"" + tok + "\"}", // ignored build output: not the place to point at
		})
		r := cli(t, "scan", "--repo", repo, deployment(t, tok, false).URL+"/")
		noLeak(t, r, tok)
		p, related := primaryOf(t, r.sarif, tok)
		if p != (primary{"src/config.ts", 4}) || related < 1 {
			t.Errorf("primary %+v with %d related, want src/config.ts:4 and the URL related", p, related)
		}
		fp(r)
	})
	t.Run("original source via sourcesContent", func(t *testing.T) {
		repo := checkout(t, map[string]string{"src/config.ts": "export const token = process.env.TOKEN;\n"})
		r := cli(t, "scan", "--repo", repo, deployment(t, tok, true).URL+"/")
		p, _ := primaryOf(t, r.sarif, tok)
		if p != (primary{"src/config.ts", 4}) {
			t.Errorf("primary %+v, want src/config.ts:4 from sourcesContent", p)
		}
		fp(r)
	})
	t.Run("original source via the bundle's mappings", func(t *testing.T) {
		repo := checkout(t, map[string]string{"src/config.ts": "a\nb\nc\nexport const token = process.env.TOKEN;\n"})
		r := cli(t, "scan", "--repo", repo, deployment(t, tok, false).URL+"/")
		p, _ := primaryOf(t, r.sarif, tok)
		if p != (primary{"src/config.ts", 4}) {
			t.Errorf("primary %+v, want src/config.ts:4 through the mappings", p)
		}
		fp(r)
	})
	t.Run("neither: the URL stand-in", func(t *testing.T) {
		repo := checkout(t, map[string]string{"README.md": "nothing"})
		srv := deployment(t, tok, false)
		r := cli(t, "scan", "--repo", repo, srv.URL+"/")
		p, _ := primaryOf(t, r.sarif, tok)
		if !strings.HasSuffix(p.uri, "/static/main.js") || p.line != 2 {
			t.Errorf("primary %+v, want the bundle's stand-in at line 2", p)
		}
		fp(r)
	})
	if len(fingerprints) != 1 {
		t.Errorf("the alert changed identity as its location improved: %d fingerprints", len(fingerprints))
	}
}
