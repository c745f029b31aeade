package main

// oci:REF targets: an image on a real registry (go-containerregistry's
// pkg/registry, in process on loopback), built at test time: every layer
// (gzip and zstd) through the archive stage, files a later layer deletes
// included, the config's Env, Labels and history, every platform of an
// index, and alerts that keep their identity from one tag to the next.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/cratesguard/cratesguard/internal/registrytest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// registryReport is the JSON report, as far as registry tests read it.
type registryReport struct {
	Findings []struct {
		Sha256    string
		Locations []struct{ Target, Part string }
	}
	Targets []struct {
		Target, State, Reason, Via string
		Warnings                   []string
		NotOpened                  []struct{ Part, Format, Reason string }
	}
}

func parseRegistryReport(t *testing.T, out string) registryReport {
	t.Helper()
	var r registryReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return r
}

// places is each token's places, "TARGET (PART)".
func (r registryReport) places() map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Findings {
		for _, l := range f.Locations {
			p := l.Target
			if l.Part != "" {
				p += " (" + l.Part + ")"
			}
			out[f.Sha256] = append(out[f.Sha256], p)
		}
	}
	return out
}

func (r registryReport) state(target string) string {
	for _, t := range r.Targets {
		if t.Target == target {
			return t.State
		}
	}
	return "absent"
}

// appImage is a release's image: a binary and an env file in a gzip
// layer, a zstd layer that deletes the env file, a token in Env, Labels
// and a Dockerfile ARG (history). salt changes every layer's bytes.
func appImage(t *testing.T, toks []string, salt string) (v1.Image, []string) {
	l1 := registrytest.Layer(t, compression.GZip,
		registrytest.File{Name: "usr/local/bin/app", Body: "\x7fELF" + salt + strings.Repeat("code ", 300) + "\x00K=" + toks[0] + "\x00"},
		registrytest.File{Name: "etc/app/.env", Body: "# " + salt + "\nCARGO_REGISTRY_TOKEN=" + toks[1] + "\n"})
	l2 := registrytest.Layer(t, compression.ZStd,
		registrytest.File{Name: "etc/app/.wh..env", Body: ""},
		registrytest.File{Name: "srv/readme.txt", Body: strings.Repeat("nothing here "+salt+"\n", 50)})
	img := registrytest.Image(t, v1.Config{
		Env:    []string{"PATH=/usr/bin", "CARGO_REGISTRY_TOKEN=" + toks[2]},
		Cmd:    []string{"/usr/local/bin/app"},
		Labels: map[string]string{"org.opencontainers.image.version": salt, "deploy.key": toks[3]},
	}, []string{"ADD app /usr/local/bin/ # " + salt, "ARG PUBLISH_TOKEN=" + toks[4] + " RUN cargo publish"}, l1, l2)
	var digests []string
	for _, l := range []v1.Layer{l1, l2} {
		d, _ := l.Digest()
		digests = append(digests, d.String())
	}
	return img, digests
}

func TestImageTargets(t *testing.T) {
	src := tokentest.New(2424)
	toks := []string{src.API(), src.API(), src.API(), src.API(), src.API()}
	reg := registrytest.NewRegistry(t, false)
	img, layers := appImage(t, toks, "1.2.3")
	reg.Push(t, "org/app:1.2.3", img)
	base := "oci:" + reg.Host + "/org/app"

	r := cli(t, "scan", "--format", "json", base+":1.2.3")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noLeak(t, r, toks...)
	rep := parseRegistryReport(t, r.stdout)
	places := rep.places()
	for i, want := range []string{
		base + "!/" + layers[0] + "/usr/local/bin/app",
		base + "!/" + layers[0] + "/etc/app/.env", // deleted by the next layer: still in the image
		base + "!/config (Env)",
		base + "!/config (Labels)",
		base + "!/config (history)",
	} {
		if !contains(places[sha(toks[i])], want) {
			t.Errorf("token %d: places %v, want %s", i, places[sha(toks[i])], want)
		}
	}
	if st := rep.state(base + ":1.2.3"); st != "scanned" {
		t.Errorf("the image is %s\n%s", st, r.stdout)
	}
	if !strings.Contains(r.stdout, "digest sha256:") {
		t.Errorf("the target does not say which digest the tag named:\n%s", r.stdout)
	}

	// The next release: every layer and the config differ, the tokens are
	// the same. Each alert keeps its URI, region and fingerprint, by tag
	// and by digest alike.
	next, _ := appImage(t, toks, "1.2.4")
	reg.Push(t, "org/app:1.2.4", next)
	dg, _ := next.Digest()
	identity := func(ref string) map[string]string {
		r := cli(t, "scan", ref)
		out := map[string]string{}
		for _, res := range parseSARIF(t, r.sarif).Runs[0].Results {
			loc := res.Locations[0].PhysicalLocation
			if strings.Contains(loc.ArtifactLocation.URI, ":") || strings.Contains(loc.ArtifactLocation.URI, "sha256") || strings.Contains(loc.ArtifactLocation.URI, "1.2.") {
				t.Errorf("%s: URI %s holds a scheme, a digest or a version", ref, loc.ArtifactLocation.URI)
			}
			out[res.Properties["tokenSha256"].(string)] = fmt.Sprintf("%s %s %d:%d %s", res.RuleID, loc.ArtifactLocation.URI,
				loc.Region.StartLine, loc.Region.StartColumn, res.PartialFingerprints["primaryLocationLineHash"])
		}
		return out
	}
	want := identity(base + ":1.2.3")
	if len(want) != len(toks) {
		t.Fatalf("%d results, want %d: %v", len(want), len(toks), want)
	}
	for _, ref := range []string{base + ":1.2.4", base + "@" + dg.String()} {
		got := identity(ref)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: alert %s\n  was %s\n  now %s", ref, k[:12], v, got[k])
			}
		}
	}
	if u, _ := url.PathUnescape(strings.Fields(want[sha(toks[0])])[1]); !strings.HasSuffix(u, "/org/app!/[hash]/usr/local/bin/app") {
		t.Errorf("the layer's file is at %s", u)
	}
}

func TestImageIndexEveryPlatform(t *testing.T) {
	src := tokentest.New(2425)
	amd, arm := src.API(), src.API()
	reg := registrytest.NewRegistry(t, false)
	shared := registrytest.Layer(t, compression.GZip, registrytest.File{Name: "srv/index.html", Body: "<p>shared</p>"})
	mk := func(tok, arch string) v1.Image {
		img := registrytest.Image(t, v1.Config{Env: []string{"TOKEN=" + tok}}, nil, shared,
			registrytest.Layer(t, compression.GZip, registrytest.File{Name: "bin/" + arch, Body: "k=" + tok}))
		return img
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: mk(amd, "amd64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: mk(arm, "arm64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}})
	reg.PushIndex(t, "org/multi:2.0.0", idx)
	base := "oci:" + reg.Host + "/org/multi"

	r := cli(t, "scan", "--format", "json", base+":2.0.0")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep := parseRegistryReport(t, r.stdout)
	places := rep.places()
	for tok, p := range map[string]string{amd: "linux/amd64", arm: "linux/arm64/v8"} {
		if !contains(places[sha(tok)], base+"!/"+p+"/config (Env)") {
			t.Errorf("%s: places %v", p, places[sha(tok)])
		}
		if st := rep.state(base + ":2.0.0 (" + p + ")"); st != "scanned" {
			t.Errorf("platform %s is %s:\n%s", p, st, r.stdout)
		}
	}
	// --platform narrows the index to what it names.
	r = cli(t, "scan", "--format", "json", "--platform", "linux/arm64", base+":2.0.0")
	rep = parseRegistryReport(t, r.stdout)
	if places := rep.places(); len(places[sha(amd)]) != 0 || len(places[sha(arm)]) == 0 || rep.state(base+":2.0.0 (linux/amd64)") != "absent" {
		t.Errorf("--platform linux/arm64: %v\n%s", places, r.stdout)
	}
	r = cli(t, "scan", "--platform", "linux/s390x", base+":2.0.0")
	if r.code != 3 || !strings.Contains(r.stdout, "none of a platform --platform names") {
		t.Errorf("no platform left: exit %d\n%s", r.code, r.stdout)
	}
	if r := cli(t, "scan", "--platform", "linux", base+":2.0.0"); r.code != 2 || !strings.Contains(r.stderr, "--platform") {
		t.Errorf("a bad --platform: exit %d %s", r.code, r.stderr)
	}
}

// TestActionScansImages: the images input, in the Action, scans as
// oci:REF does, every token masked before it is printed.
func TestActionScansImages(t *testing.T) {
	src := tokentest.New(2428)
	toks := []string{src.API(), src.API(), src.API(), src.API(), src.API()}
	reg := registrytest.NewRegistry(t, false)
	img, _ := appImage(t, toks, "3.0.0")
	reg.Push(t, "org/app:3.0.0", img)
	res := newRunner(t, "push", "{}").input("images", reg.Host+"/org/app:3.0.0").run()
	onlyMasked(t, res, toks...)
	if res.code != 1 || res.outputs["tokens"] != "5" || res.outputs["failed"] != "0" {
		t.Fatalf("exit %d outputs %v\n%s", res.code, res.outputs, res.stdout)
	}
}
