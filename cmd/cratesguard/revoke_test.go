package main

// --revoke: a fake crates.io that implements both revocation endpoints and
// the verification endpoint, with state (a revoked token is dead on the
// next request), and records every request.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

type apiRequest struct {
	method, path, auth, agent string
	at                        time.Time
}

// fakeRegistry is crates.io as far as cratesguard talks to it.
type fakeRegistry struct {
	*httptest.Server
	mu     sync.Mutex
	live   map[string]bool // legacy (unscoped) API tokens
	scoped map[string]bool // scoped API tokens: live, cannot revoke themselves
	tp     map[string]bool // trusted-publishing tokens
	log    []apiRequest
	crates map[string][]byte // "name/version" -> .crate (see crate_test.go)
	dflt   map[string]string // name -> default version
	// hidden counts the download requests to refuse (404) per
	// "name/version" before serving it: a version not yet published.
	hidden map[string]int
}

func newFakeRegistry(t *testing.T) *fakeRegistry {
	f := &fakeRegistry{live: map[string]bool{}, scoped: map[string]bool{}, tp: map[string]bool{},
		crates: map[string][]byte{}, dflt: map[string]string{}, hidden: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func errorsJSON(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"detail":%q}]}`, detail)
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	auth := r.Header.Get("Authorization")
	f.log = append(f.log, apiRequest{r.Method, r.URL.Path, auth, r.Header.Get("User-Agent"), time.Now()})
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/me":
		if f.live[auth] || f.scoped[auth] {
			errorsJSON(w, 403, "this action can only be performed on the crates.io website")
			return
		}
		errorsJSON(w, 403, "authentication failed")
	case r.Method == http.MethodDelete && r.URL.Path == "/api/v1/tokens/current":
		switch {
		case f.live[auth]:
			delete(f.live, auth)
			w.WriteHeader(http.StatusNoContent)
		case f.scoped[auth]:
			errorsJSON(w, 403, "this token does not have the required permissions to perform this action")
		default:
			errorsJSON(w, 403, "authentication failed")
		}
	case r.Method == http.MethodDelete && r.URL.Path == "/api/v1/trusted_publishing/tokens":
		tok := strings.TrimPrefix(auth, "Bearer ")
		if strings.HasPrefix(auth, "Bearer ") && f.tp[tok] {
			delete(f.tp, tok)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		errorsJSON(w, 401, "authentication failed")
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/crates/"):
		f.serveCrate(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/crates/"):
		// /crates/NAME/NAME-VERSION.crate, as static.crates.io serves it
		var b []byte
		ok := false
		if parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/crates/"), "/"); len(parts) == 2 {
			b, ok = f.crates[parts[0]+"/"+strings.TrimSuffix(strings.TrimPrefix(parts[1], parts[0]+"-"), ".crate")]
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(b)
	default:
		errorsJSON(w, 418, "unexpected request")
	}
}

// serveCrate answers GET /api/v1/crates/NAME and
// /api/v1/crates/NAME/VERSION/download.
func (f *fakeRegistry) serveCrate(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/crates/"), "/")
	switch {
	case len(parts) == 1:
		v, ok := f.dflt[parts[0]]
		if !ok {
			errorsJSON(w, 404, "crate `"+parts[0]+"` does not exist")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"crate":{"name":%q,"default_version":%q,"max_version":%q}}`, parts[0], v, v)
	case len(parts) == 3 && parts[2] == "download":
		key := parts[0] + "/" + parts[1]
		if _, ok := f.crates[key]; !ok || f.hidden[key] > 0 {
			f.hidden[key]--
			errorsJSON(w, 404, "crate `"+parts[0]+"` does not have a version `"+parts[1]+"`")
			return
		}
		u := f.URL + "/crates/" + parts[0] + "/" + parts[0] + "-" + parts[1] + ".crate"
		if r.Header.Get("Accept") == "application/json" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"url": u})
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	default:
		errorsJSON(w, 404, "not found")
	}
}

// set changes the fake's state under its lock (its handlers read it).
func (f *fakeRegistry) set(change func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change()
}

func (f *fakeRegistry) requests() []apiRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiRequest(nil), f.log...)
}

func TestRevokeKillsWhatLeaked(t *testing.T) {
	if testing.Short() {
		t.Skip("spaces its requests to crates.io one second apart")
	}
	src := tokentest.New(1414)
	legacy, scoped, dead, ignored, tp := src.API(), src.API(), src.API(), src.API(), src.TP()
	ph := tokentest.Placeholder('x')
	api := newFakeRegistry(t)
	api.live[legacy], api.scoped[scoped], api.live[ignored], api.tp[tp] = true, true, true, true
	site := siteServing(t, "a='"+legacy+"'", "b='"+scoped+"'", "c='"+dead+"'", "d='"+ignored+"'", "e='"+tp+"'", "f='"+ph+"'")
	dir := t.TempDir()
	ignoreFile := filepath.Join(dir, "ignore")
	os.WriteFile(ignoreFile, []byte(sha(ignored)+" handled by the owner\n"), 0o644)

	args := []string{"scan", "--revoke", "--crates-api", api.URL, "--ignore-file", ignoreFile, "--fail-on", "verified", "--format", "json", site.URL + "/"}
	r := cli(t, args...)
	if r.code != 1 {
		t.Fatalf("--revoke --fail-on verified with live tokens: exit %d, want 1 (they leaked)\n%s%s", r.code, r.stdout, r.stderr)
	}
	noLeak(t, r, legacy, scoped, dead, ignored, tp)
	var js struct {
		Summary  struct{ Revoked int }
		Findings []struct {
			Sha256, Validity, Revocation, RevocationDetail string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range js.Findings {
		got[f.Sha256] = f.Validity + "/" + f.Revocation
	}
	want := map[string]string{
		sha(legacy): "active/revoked",
		sha(scoped): "active/live-scoped",
		sha(dead):   "inactive/",
		sha(tp):     "unverifiable/revoked",
	}
	for s, w := range want {
		if got[s] != w {
			t.Errorf("token %s…: %q, want %q", s[:8], got[s], w)
		}
	}
	if js.Summary.Revoked != 2 {
		t.Errorf("summary says %d revoked, want 2", js.Summary.Revoked)
	}
	// What crates.io saw: one DELETE per live token, none for the dead,
	// the ignored or the placeholder; a User-Agent; a second apart.
	deletes := map[string]int{}
	reqs := api.requests()
	for i, q := range reqs {
		if q.method == http.MethodDelete {
			deletes[strings.TrimPrefix(q.auth, "Bearer ")]++
		}
		if strings.Contains(q.auth, ignored) || strings.Contains(q.auth, ph) {
			t.Errorf("crates.io was sent the %s token", map[bool]string{true: "ignored", false: "placeholder"}[strings.Contains(q.auth, ignored)])
		}
		if !strings.HasPrefix(q.agent, "cratesguard/") {
			t.Errorf("request %d has User-Agent %q", i, q.agent)
		}
		if i > 0 && q.at.Sub(reqs[i-1].at) < 950*time.Millisecond {
			t.Errorf("requests %d and %d were %s apart", i-1, i, q.at.Sub(reqs[i-1].at))
		}
	}
	if deletes[legacy] != 1 || deletes[scoped] != 1 || deletes[tp] != 1 || deletes[dead] != 0 || len(deletes) != 3 {
		t.Errorf("DELETEs per token: %d legacy, %d scoped, %d tp, %d dead (%d tokens)", deletes[legacy], deletes[scoped], deletes[tp], deletes[dead], len(deletes))
	}
	// The SARIF says it too.
	txt := string(r.sarif)
	if !strings.Contains(txt, `"revocation": "revoked"`) || !strings.Contains(txt, `"revocation": "live-scoped"`) || !strings.Contains(txt, "its owner must revoke it now") {
		t.Error("the SARIF does not carry the revocations")
	}

	// The next run finds them dead and revokes nothing.
	r2 := cli(t, "scan", "--revoke", "--crates-api", api.URL, "--ignore-file", ignoreFile, "--format", "json", site.URL+"/")
	js.Findings, js.Summary.Revoked = nil, 0
	json.Unmarshal([]byte(r2.stdout), &js)
	for _, f := range js.Findings {
		if f.Sha256 == sha(legacy) && (f.Validity != "inactive" || f.Revocation != "") {
			t.Errorf("second run: the revoked token is %s/%s", f.Validity, f.Revocation)
		}
	}
	if js.Summary.Revoked != 0 {
		t.Errorf("second run revoked %d", js.Summary.Revoked)
	}
	// The text report says it in a line a person reads.
	r3 := cli(t, "scan", "--verify", "--crates-api", api.URL, "--ignore-file", ignoreFile, site.URL+"/")
	if !strings.Contains(r3.stdout, "inactive") {
		t.Errorf("third run:\n%s", r3.stdout)
	}
}

func TestActionRevoke(t *testing.T) {
	if testing.Short() {
		t.Skip("spaces its requests to crates.io one second apart")
	}
	tok := tokentest.New(1515).API()
	api := newFakeRegistry(t)
	api.live[tok] = true
	srv := leakySite(t, tok)
	res := newRunner(t, "release", releasePayload).input("urls", srv.URL+"/").input("revoke", "true").input("crates-api", api.URL).run()
	onlyMasked(t, res, tok)
	if res.code != 1 || res.outputs["revoked"] != "1" {
		t.Fatalf("exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
	}
	if !strings.Contains(res.summary, "active, revoked") {
		t.Errorf("the summary does not say the token was revoked:\n%s", res.summary)
	}
}
