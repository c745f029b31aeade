package main

// npm:NAME@VERSION and pypi:NAME==VERSION targets: the registry's
// metadata says where the files are and what they must hash to; each file
// is scanned as an archive, its digest checked, and the metadata scanned
// too.

import (
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/registrytest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestNPMTargets(t *testing.T) {
	src := tokentest.New(2426)
	inWasm, inMeta := src.API(), src.API()
	pkgs := registrytest.NewPackages(t)
	tgz := gz(tarOf(t, []member{
		{name: "package/package.json", body: `{"name":"@scope/wasm-thing","version":"0.2.0"}`},
		{name: "package/wasm_thing_bg.wasm", body: "\x00asm\x01\x00\x00\x00" + strings.Repeat("\x00data", 40) + "\x00" + inWasm + "\x00"},
	}))
	pkgs.NPM("@scope/wasm-thing",
		registrytest.NPMVersion{Version: "0.1.0", Tarball: gz(tarOf(t, []member{{name: "package/index.js", body: "export {}"}}))},
		registrytest.NPMVersion{Version: "0.2.0", Tarball: tgz, Extra: map[string]any{"description": "set NPM_KEY=" + inMeta}})

	r := cli(t, "scan", "--format", "json", "--npm-registry", pkgs.URL, "npm:@scope/wasm-thing", "npm:@scope/wasm-thing@0.1.0", "npm:@scope/nope@1.0.0")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noLeak(t, r, inWasm, inMeta)
	rep := parseRegistryReport(t, r.stdout)
	places := rep.places()
	if !contains(places[sha(inWasm)], "npm:@scope/wasm-thing!/package/wasm_thing_bg.wasm") {
		t.Errorf("the token in the tarball: %v", places[sha(inWasm)])
	}
	if !contains(places[sha(inMeta)], "npm:@scope/wasm-thing (registry metadata)") {
		t.Errorf("the token in the packument: %v", places[sha(inMeta)])
	}
	for target, state := range map[string]string{"npm:@scope/wasm-thing@0.2.0": "scanned", "npm:@scope/wasm-thing@0.1.0": "scanned", "npm:@scope/nope@1.0.0": "failed"} {
		if got := rep.state(target); got != state {
			t.Errorf("%s is %s, want %s\n%s", target, got, state, r.stdout)
		}
	}

	// A tarball that is not what dist.integrity names fails the target;
	// what was found in it is still reported.
	pkgs.NPM("tampered", registrytest.NPMVersion{Version: "1.0.0", Tarball: tgz, Integrity: "sha512-" + strings.Repeat("A", 86) + "=="})
	r = cli(t, "scan", "--format", "json", "--npm-registry", pkgs.URL, "npm:tampered@1.0.0")
	rep = parseRegistryReport(t, r.stdout)
	if r.code != 1 || rep.state("npm:tampered@1.0.0") != "failed" || !strings.Contains(r.stdout, "is not the one the packument's dist.integrity names") ||
		len(rep.places()[sha(inWasm)]) == 0 {
		t.Errorf("a tampered tarball: exit %d\n%s", r.code, r.stdout)
	}

	// A version published a moment ago is waited for (--crate-wait).
	pkgs.Hide("/late", 1)
	pkgs.NPM("late", registrytest.NPMVersion{Version: "3.0.0", Tarball: tgz})
	if r := cli(t, "scan", "--npm-registry", pkgs.URL, "--crate-wait", "1m", "npm:late@3.0.0"); r.code != 1 {
		t.Errorf("a version served on the second ask: exit %d\n%s", r.code, r.stdout)
	}
	if r := cli(t, "scan", "--npm-registry", pkgs.URL, "npm:late@3.0.1"); r.code != 3 || !strings.Contains(r.stdout, "lists no version 3.0.1 of late") {
		t.Errorf("a version never published: exit %d\n%s", r.code, r.stdout)
	}
	for _, bad := range []string{"http://npm.example", "https://u:p@npm.example", "https://npm.example/?x=1"} {
		if r := cli(t, "scan", "--npm-registry", bad, "npm:late"); r.code != 2 || !strings.Contains(r.stderr, "--npm-registry") {
			t.Errorf("--npm-registry %s: exit %d %s", bad, r.code, r.stderr)
		}
	}
}

func TestPyPITargets(t *testing.T) {
	src := tokentest.New(2427)
	inWheel, inSdist, inReadme := src.API(), src.API(), src.API()
	pkgs := registrytest.NewPackages(t)
	wheel := zipOf(t, []member{
		{name: "demo/__init__.py", body: "from ._native import *\n"},
		{name: "demo/_native.abi3.so", body: "\x7fELF" + strings.Repeat("\x00", 64) + "KEY=" + inWheel + "\x00"},
		{name: "demo-1.2.3.dist-info/METADATA", body: "Name: demo\n"},
	})
	sdist := gz(tarOf(t, []member{{name: "demo-1.2.3/.cargo/config.toml", body: "[registry]\ntoken = \"" + inSdist + "\"\n"}}))
	pkgs.PyPI("demo", "1.2.3", "Set CARGO_REGISTRY_TOKEN="+inReadme+" first",
		registrytest.PyPIFile{Filename: "demo-1.2.3-cp39-abi3-manylinux_2_17_x86_64.whl", Body: wheel},
		registrytest.PyPIFile{Filename: "demo-1.2.3.tar.gz", Body: sdist},
		registrytest.PyPIFile{Filename: "demo-1.2.3-cp39-abi3-win_amd64.whl", Body: wheel, SHA256: strings.Repeat("ab", 32)})

	r := cli(t, "scan", "--format", "json", "--pypi-url", pkgs.URL, "pypi:demo")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noLeak(t, r, inWheel, inSdist, inReadme)
	rep := parseRegistryReport(t, r.stdout)
	places := rep.places()
	for tok, want := range map[string]string{
		inWheel:  "pypi:demo!/demo-1.2.3-cp39-abi3-manylinux_2_17_x86_64.whl!/demo/_native.abi3.so",
		inSdist:  "pypi:demo!/demo-1.2.3.tar.gz!/demo-1.2.3/.cargo/config.toml",
		inReadme: "pypi:demo (registry metadata)",
	} {
		if !contains(places[sha(tok)], want) {
			t.Errorf("places %v, want %s", places[sha(tok)], want)
		}
	}
	for target, state := range map[string]string{
		"pypi:demo==1.2.3!/demo-1.2.3-cp39-abi3-manylinux_2_17_x86_64.whl": "scanned",
		"pypi:demo==1.2.3!/demo-1.2.3.tar.gz":                              "scanned",
		"pypi:demo==1.2.3!/demo-1.2.3-cp39-abi3-win_amd64.whl":             "failed", // its sha256 is not the index's
	} {
		if got := rep.state(target); got != state {
			t.Errorf("%s is %s, want %s\n%s", target, got, state, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "is not the one the index's digests.sha256 names") {
		t.Errorf("the digest mismatch is not said:\n%s", r.stdout)
	}
	if r := cli(t, "scan", "--pypi-url", pkgs.URL, "pypi:demo==9.9"); r.code != 3 || !strings.Contains(r.stdout, "has no release pypi:demo==9.9") {
		t.Errorf("a release that is not there: exit %d\n%s", r.code, r.stdout)
	}
}
