package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// release serves one release of a site: its bundles carry content hashes
// in their names, and answer after a random delay, so targets finish in a
// different order each run.
func release(t *testing.T, hashes [3]string, toks []string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<script src="/assets/index-%s.js"></script><script src="/static/js/main.%s.chunk.js"></script>`+
				`<script src="/_next/static/chunks/%s.js"></script>`, hashes[0], hashes[1], hashes[2])
		case "/assets/index-" + hashes[0] + ".js":
			fmt.Fprintf(w, "const a='%s',b='%s';", toks[0], toks[1])
		case "/static/js/main." + hashes[1] + ".chunk.js":
			fmt.Fprintf(w, "\n\nvar k='%s';", toks[0]) // the same token, elsewhere too
		case "/_next/static/chunks/" + hashes[2] + ".js":
			w.Header().Set("X-Debug", toks[2])
			io.WriteString(w, "ok")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAlertIdentityAcrossReleases: the same tokens in the next release,
// with renamed bundles and targets finishing in another order, keep their
// primary artifact URI, region and primaryLocationLineHash, so GitHub keeps
// each alert instead of closing it and opening a new one.
func TestAlertIdentityAcrossReleases(t *testing.T) {
	src := tokentest.New(280)
	toks := []string{src.API(), src.API(), src.API()}
	identity := func(srvURL string) map[string]string {
		r := cli(t, "scan", "--concurrency", "8", srvURL+"/")
		out := map[string]string{}
		for _, res := range parseSARIF(t, r.sarif).Runs[0].Results {
			loc := res.Locations[0].PhysicalLocation
			if loc.Region == nil || loc.Region.StartLine < 1 {
				t.Errorf("result %s: primary location without a region", res.RuleID)
				continue
			}
			// The host's port differs between the two servers: compare the path.
			uri, err := url.PathUnescape(loc.ArtifactLocation.URI)
			if err != nil {
				t.Errorf("result %s: %q is no valid URI: %v", res.RuleID, loc.ArtifactLocation.URI, err)
			}
			uri = uri[strings.Index(uri, "/"):]
			out[res.Properties["tokenSha256"].(string)] = fmt.Sprintf("%s %s %d:%d %s", res.RuleID, uri,
				loc.Region.StartLine, loc.Region.StartColumn, res.PartialFingerprints["primaryLocationLineHash"])
		}
		return out
	}
	first := release(t, [3]string{"4f9c2a1b", "8e1d2f3a", "25rcys19867ep"}, toks)
	want := identity(first.URL)
	if len(want) != 3 {
		t.Fatalf("%d results, want 3: %v", len(want), want)
	}
	for _, id := range want {
		if !strings.Contains(id, "[hash]") {
			t.Errorf("the stand-in path keeps a content hash: %s", id)
		}
	}
	next := release(t, [3]string{"9d8e7f6a", "77aa11bc", "0k3m9x2q5w8z"}, toks)
	for run := range 3 {
		for srv, name := range map[string]string{first.URL: "the same release", next.URL: "the next release"} {
			got := identity(srv)
			for sha, id := range want {
				if got[sha] != id {
					t.Errorf("run %d, %s: %s\n  now  %s", run, name, id, got[sha])
				}
			}
		}
	}
}

// TestResultsStayWithinGitHubsLimit: 26,000 distinct tokens give 25,000
// results (GitHub rejects a run over that), and the report says what went
// past the limit.
func TestResultsStayWithinGitHubsLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 26,000 tokens")
	}
	src := tokentest.New(281)
	var b strings.Builder
	for range 26000 {
		b.WriteString(src.API() + "\n")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tokens.txt"), []byte(b.String()), 0o644)
	out := filepath.Join(dir, "big.sarif") // not handed to check-sarif: 30 MB
	r := cli(t, "scan", "--sarif", out, filepath.Join(dir, "tokens.txt"))
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	run := parseSARIF(t, doc).Runs[0]
	if r.code != 1 || len(run.Results) != 25000 {
		t.Fatalf("exit %d, %d results: want 25,000", r.code, len(run.Results))
	}
	said := false
	for _, n := range run.Invocations[0].ToolExecutionNotifications {
		said = said || strings.Contains(n.Message.Text, "more than 25000 distinct tokens")
	}
	if !said || !strings.Contains(r.stdout, "more than 25000 distinct tokens") {
		t.Errorf("the overflow is not reported (notification %v)", said)
	}
}

// TestColumnsAreUTF16: SARIF columns count UTF-16 code units (the run says
// so), not bytes: before a token, "Café … 🦀 " is 10 units but 15 bytes.
func TestColumnsAreUTF16(t *testing.T) {
	tok := tokentest.New(282).API()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("line one\nCafé … 🦀 "+tok+"\n"), 0o644)
	r := cli(t, "scan", filepath.Join(dir, "notes.txt"))
	if !strings.Contains(string(r.sarif), `"columnKind": "utf16CodeUnits"`) {
		t.Error("the run does not declare columnKind utf16CodeUnits")
	}
	reg := parseSARIF(t, r.sarif).Runs[0].Results[0].Locations[0].PhysicalLocation.Region
	if reg == nil || reg.StartLine != 2 || reg.StartColumn != 11 {
		t.Errorf("region %+v, want line 2 column 11 (UTF-16; 16 in bytes)", reg)
	}
}

// TestSeverityFollowsValidity: security-severity is per rule in code
// scanning, so a token crates.io rejects is reported under its own rule
// (medium), and a placeholder under one that is no security alert.
func TestSeverityFollowsValidity(t *testing.T) {
	src := tokentest.New(283)
	live, dead := src.API(), src.API()
	api := newFakeCratesIO(t)
	api.replies[live] = crates(403, "this action can only be performed on the crates.io website")
	api.replies[dead] = crates(403, "authentication failed")
	site := siteServing(t, "a='"+live+"'", "b='"+dead+"'", "c='"+tokentest.Placeholder('x')+"'")
	r := cli(t, "scan", "--verify", "--crates-api", api.URL, site.URL+"/")
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Properties map[string]any
					}
				}
			}
			Results []struct {
				RuleID     string
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal(r.sarif, &doc); err != nil {
		t.Fatal(err)
	}
	severity := map[string]string{}
	for _, ru := range doc.Runs[0].Tool.Driver.Rules {
		s, _ := ru.Properties["security-severity"].(string)
		severity[ru.ID] = s
	}
	for _, res := range doc.Runs[0].Results {
		sev, _ := strconv.ParseFloat(severity[res.RuleID], 64)
		switch res.Properties["tokenSha256"] {
		case sha(live):
			if res.RuleID != "crates-io-api-token" || sev < 9 {
				t.Errorf("live token: rule %s severity %v, want critical", res.RuleID, sev)
			}
		case sha(dead):
			if res.RuleID != "crates-io-token-inactive" || sev >= 7 || sev == 0 {
				t.Errorf("inactive token: rule %s severity %v, want below high", res.RuleID, sev)
			}
		default:
			if res.RuleID != "crates-io-token-placeholder" || severity[res.RuleID] != "" {
				t.Errorf("placeholder: rule %s severity %q, want no security severity", res.RuleID, severity[res.RuleID])
			}
		}
	}
}
