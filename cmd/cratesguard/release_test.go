package main

// On a release event with nothing named, the Action scans what the release
// publishes: its assets (through the API with the job's token when the
// repository is private; the token goes to the API host only, never along
// the redirect to storage) and the crates the workspace's Cargo.toml
// publishes, waiting for crates.io to serve a version just published.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestActionScansWhatAReleasePublishes(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a crate version to appear")
	}
	src := tokentest.New(1717)
	inCrate, inAsset := src.API(), src.API()
	const jobToken = "ghs_fakeJobTokenForTheTestOnly0123456789"
	api := newFakeRegistry(t)
	api.crates["foo/1.2.3"] = gz(tarOf(t, []member{{name: "foo-1.2.3/.env", body: "CARGO_REGISTRY_TOKEN=" + inCrate + "\n"}}))
	api.hidden["foo/1.2.3"] = 1 // published a moment ago: not served on the first ask

	asset := gz(tarOf(t, []member{{name: "tool/config.toml", body: "token = \"" + inAsset + "\"\n"}}))
	var mu sync.Mutex
	var storageAuth, apiAuth []string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		storageAuth = append(storageAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(asset)
	}))
	defer storage.Close()
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/acme/crate/releases/download/v1.2.3/tool-v1.2.3-x86_64-linux.tar.gz": // public
			http.Redirect(w, r, storage.URL+"/blob/1?sig=abc", http.StatusFound)
		case "/repos/acme/crate/releases/assets/1": // the API, for a private repository
			mu.Lock()
			apiAuth = append(apiAuth, r.Header.Get("Authorization"))
			mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+jobToken || r.Header.Get("Accept") != "application/octet-stream" {
				http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
				return
			}
			http.Redirect(w, r, storage.URL+"/blob/1?sig=abc", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer gh.Close()
	payload := func(private bool) string {
		return fmt.Sprintf(`{"action":"published","release":{"tag_name":"v1.2.3","assets":[{"name":"tool-v1.2.3-x86_64-linux.tar.gz",`+
			`"url":%q,"browser_download_url":%q}]},"repository":{"full_name":"acme/crate","private":%v}}`,
			gh.URL+"/repos/acme/crate/releases/assets/1", gh.URL+"/acme/crate/releases/download/v1.2.3/tool-v1.2.3-x86_64-linux.tar.gz", private)
	}

	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			r := newRunner(t, "release", payload(private)).input("crates-api", api.URL).input("crate-wait", "1m").input("token", jobToken)
			os.WriteFile(filepath.Join(r.workspace, "Cargo.toml"), []byte("[workspace]\nmembers = [\"xtask\"]\n\n[package]\nname = \"foo\"\nversion = \"1.2.3\"\n"), 0o644)
			os.MkdirAll(filepath.Join(r.workspace, "xtask"), 0o755)
			os.WriteFile(filepath.Join(r.workspace, "xtask", "Cargo.toml"), []byte("[package]\nname = \"xtask\"\nversion = \"0.1.0\"\npublish = false\n"), 0o644)
			api.set(func() { api.hidden["foo/1.2.3"] = 1 })
			res := r.run()
			onlyMasked(t, res, inCrate, inAsset)
			if res.code != 1 || res.outputs["tokens"] != "2" || res.outputs["failed"] != "0" {
				t.Fatalf("exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
			}
			if !strings.Contains(res.summary, "release v1.2.3: 1 asset (tool-v1.2.3-x86_64-linux.tar.gz) and the crates the workspace publishes (foo@1.2.3)") {
				t.Errorf("the summary does not list what was scanned:\n%s", res.summary)
			}
			if strings.Contains(res.summary, "xtask") {
				t.Error("a crate with publish = false was scanned")
			}
			for name, s := range map[string]string{"stdout": res.stdout, "stderr": res.stderr, "summary": res.summary, "SARIF": string(res.sarif)} {
				if strings.Contains(s, jobToken) {
					t.Errorf("the job token appears in %s", name)
				}
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range storageAuth {
		if a != "" {
			t.Errorf("the storage host got Authorization %q: the token followed the redirect", a)
		}
	}
	if len(apiAuth) == 0 {
		t.Error("the private repository's asset was not asked through the API")
	}
}
