package main

// Hostile content against GitHub's limits: GitHub rejects a SARIF file
// whose gzip'd size is over 10 MB, and every alert in it with it. A site
// of 300 pages under long random paths, each serving the same 100 tokens,
// gives each token 99 related places of 1.5 KB of random URI (11.8 MB
// gzip'd before the fix): a site that leaks could hide its own leaks. The
// file stays under the limit (CI's check-sarif checks it again, as it
// checks every SARIF the tests write), every token is still a result, the
// results past the budget list only their primary place, and the file and
// stderr say so.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// bigSARIFSite serves 300 pages under 1.5 KB random paths, each with the
// same 100 tokens.
func bigSARIFSite(t *testing.T) *httptest.Server {
	src := tokentest.New(330)
	var body strings.Builder
	for range 100 {
		fmt.Fprintf(&body, "t=%q;\n", src.API())
	}
	r := rand.New(rand.NewPCG(3, 30))
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var index strings.Builder
	for i := range 300 {
		p := make([]byte, 1500)
		for j := range p {
			p[j] = alnum[r.IntN(len(alnum))]
		}
		fmt.Fprintf(&index, "<script src=\"/p/%s-%d.js\"></script>\n", p, i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(index.String()))
			return
		}
		if strings.HasPrefix(r.URL.Path, "/p/") {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(body.String()))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gzipSize(b []byte) int {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(b)
	zw.Close()
	return gz.Len()
}

func TestSARIFOfAHostileSiteStaysUnderGitHubsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 300-page crawl")
	}
	srv := bigSARIFSite(t)
	res := cli(t, "scan", srv.URL+"/")
	if res.code != 1 || len(res.sarif) == 0 {
		t.Fatalf("exit %d, %d bytes of SARIF:\n%s", res.code, len(res.sarif), res.stderr)
	}
	gz := gzipSize(res.sarif)
	t.Logf("SARIF %d bytes, %d gzip'd", len(res.sarif), gz)
	if gz >= 10_000_000 {
		t.Errorf("the SARIF is %d bytes gzip'd: GitHub would reject it whole", gz)
	}
	var doc struct {
		Runs []struct {
			Results []struct {
				RelatedLocations []any
			}
			Invocations []struct {
				ToolExecutionNotifications []struct{ Message struct{ Text string } }
			}
		}
	}
	if err := json.Unmarshal(res.sarif, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	with, without := 0, 0
	for _, r := range run.Results {
		if len(r.RelatedLocations) > 0 {
			with++
		} else {
			without++
		}
	}
	if len(run.Results) != 100 || with == 0 || without == 0 {
		t.Errorf("%d results (want 100), %d with related places, %d without: want some of each", len(run.Results), with, without)
	}
	said := false
	for _, n := range run.Invocations[0].ToolExecutionNotifications {
		said = said || strings.Contains(n.Message.Text, "list only their primary place")
	}
	if !said || !strings.Contains(res.stderr, "under GitHub's 10 MB") {
		t.Errorf("the cut is not said (in the file: %v); stderr:\n%s", said, res.stderr)
	}
}

// TestActionSaysTheSARIFWasCut: in the Action the cut is a warning the
// runner shows as an annotation, and the file the upload step reads is
// under the limit.
func TestActionSaysTheSARIFWasCut(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 300-page crawl")
	}
	srv := bigSARIFSite(t)
	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").run()
	if res.code != 1 || len(res.sarif) == 0 || gzipSize(res.sarif) >= 10_000_000 {
		t.Fatalf("exit %d, %d bytes of SARIF (%d gzip'd)", res.code, len(res.sarif), gzipSize(res.sarif))
	}
	if !strings.Contains(res.stdout, "\n::warning::cratesguard: the SARIF report results ") {
		t.Errorf("no warning annotation about the cut:\n%.2000s", res.stdout)
	}
}
