package main

// crate:NAME[@VERSION] targets: the .crate crates.io serves is located
// through the API (download endpoint, default version), fetched and
// scanned as an archive, under crates.io's crawler policy.

import (
	"strings"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestCrateTargets(t *testing.T) {
	tok := tokentest.New(1616).API()
	api := newFakeRegistry(t)
	api.crates["foo/1.2.3"] = gz(tarOf(t, []member{
		{name: "foo-1.2.3/Cargo.toml", body: "[package]\nname = \"foo\"\n"},
		{name: "foo-1.2.3/.cargo/config.toml", body: "[registry]\ntoken = \"" + tok + "\"\n"},
	}))
	api.crates["foo/1.2.2"] = gz(tarOf(t, []member{{name: "foo-1.2.2/src/lib.rs", body: "pub fn f() {}\n"}}))
	api.dflt["foo"] = "1.2.3"

	r := cli(t, "scan", "--crates-api", api.URL, "--header", "X-Site-Key: for-the-site-only", "--format", "json",
		"crate:foo@1.2.3", "crate:foo", "crate:foo@1.2.2", "crate:nope@1.0.0")
	if r.code != 1 { // a token found (crate:nope's failure is reported too)
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noLeak(t, r, tok)
	rep := parseJSON(t, r.stdout)
	f := rep.finding(sha(tok))
	if f == nil || !strings.HasSuffix(f.Locations[0].Target, "/crates/foo/foo-1.2.3.crate!/foo-1.2.3/.cargo/config.toml") {
		t.Fatalf("the token in the crate: %+v", f)
	}
	for target, state := range map[string]string{"crate:foo@1.2.3": "scanned", "crate:foo@1.2.2": "scanned", "crate:nope@1.0.0": "failed"} {
		if !rep.target(target, state) {
			t.Errorf("%s is not %s", target, state)
		}
	}
	if !strings.Contains(r.stdout, `"crate:foo@1.2.3"`) || !strings.Contains(r.stdout, "crates.io serves no version 1.0.0 of nope") {
		t.Errorf("crate:foo is not reported at its default version, or crate:nope's failure is unclear:\n%s", r.stdout)
	}
	// The API was asked as its crawler policy wants: a User-Agent with a
	// contact, one request a second; no --header went to crates.io.
	reqs := api.requests()
	var last time.Time
	for _, q := range reqs {
		if !strings.Contains(q.agent, "(+https://") {
			t.Errorf("%s %s: User-Agent %q names no contact", q.method, q.path, q.agent)
		}
		if q.auth != "" {
			t.Errorf("%s %s carried Authorization", q.method, q.path)
		}
		if strings.HasPrefix(q.path, "/api/") {
			if !last.IsZero() && q.at.Sub(last) < 950*time.Millisecond {
				t.Errorf("API requests %s apart", q.at.Sub(last))
			}
			last = q.at
		}
	}
	// A crate:foo@VERSION just published is waited for (--crate-wait).
	api.set(func() { api.crates["foo/1.3.0"], api.hidden["foo/1.3.0"] = api.crates["foo/1.2.3"], 1 })
	r = cli(t, "scan", "--crates-api", api.URL, "--crate-wait", "1m", "crate:foo@1.3.0")
	if r.code != 1 {
		t.Errorf("a version served on the second ask: exit %d\n%s", r.code, r.stdout)
	}
	api.set(func() { api.hidden["foo/1.4.0"], api.crates["foo/1.4.0"] = 1, api.crates["foo/1.2.3"] })
	r = cli(t, "scan", "--crates-api", api.URL, "crate:foo@1.4.0")
	if r.code != 3 || !strings.Contains(r.stdout, "crates.io serves no version 1.4.0 of foo") {
		t.Errorf("without --crate-wait a missing version fails at once: exit %d\n%s", r.code, r.stdout)
	}
	// Bad specs are usage errors.
	for _, bad := range []string{"crate:", "crate:9lives", "crate:foo@1.2", "crate:foo@latest"} {
		if r := cli(t, "scan", bad); r.code != 2 || !strings.Contains(r.stderr, "crate") {
			t.Errorf("%s: exit %d %s", bad, r.code, r.stderr)
		}
	}
}
