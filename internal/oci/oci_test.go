package oci

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestPlatform(t *testing.T) {
	for _, c := range []struct {
		p    *v1.Platform
		ann  map[string]string
		want string
	}{
		{&v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, nil, "linux/arm64/v8"},
		{&v1.Platform{OS: "linux", Architecture: "amd64"}, nil, "linux/amd64"},
		{&v1.Platform{OS: "unknown", Architecture: "unknown"}, map[string]string{"vnd.docker.reference.type": "attestation-manifest"}, "attestation"},
		{nil, nil, "unknown"},
		{&v1.Platform{OS: "linux", Architecture: "../../etc"}, nil, "unknown"},
		{&v1.Platform{OS: "linux\x1b[31m", Architecture: "amd64"}, nil, "unknown"},
		{&v1.Platform{OS: "linux", Architecture: "amd64", Variant: "**x**"}, nil, "unknown"},
		{&v1.Platform{OS: strings.Repeat("a", 40), Architecture: "amd64"}, nil, "unknown"},
	} {
		if got := Platform(v1.Descriptor{Platform: c.p, Annotations: c.ann}); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
	for _, c := range []struct {
		p    string
		want []string
		ok   bool
	}{{"linux/arm64/v8", []string{"linux/arm64"}, true}, {"linux/arm64", []string{"linux/arm"}, false}, {"linux/amd64", nil, true}, {"linux/amd64", []string{"linux/amd64/v2"}, false}} {
		if Matches(c.p, c.want) != c.ok {
			t.Errorf("Matches(%s, %v) = %v", c.p, c.want, !c.ok)
		}
	}
}

func TestConfigParts(t *testing.T) {
	raw := `{"architecture":"amd64","config":{"Env":["A=1","B=2"],"Cmd":["run","--x"],"Labels":{"b":"2","a":"1"},"User":"app"},` +
		`"history":[{"created_by":"RUN a","comment":"c1"},{"created_by":"ARG T=x RUN b"}]}`
	parts := ConfigParts([]byte(raw))
	got := map[string]string{}
	for _, p := range parts {
		got[p.Name] = string(p.Text)
	}
	for name, want := range map[string]string{"Env": "A=1\nB=2\n", "Cmd": "run\n--x\n", "Labels": "a=1\nb=2\n", "history": "RUN a\nARG T=x RUN b\n"} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	rest := got[""]
	if !strings.Contains(rest, `"User":"app"`) || !strings.Contains(rest, `"comment":"c1"`) || strings.Contains(rest, "A=1") || strings.Contains(rest, "RUN a") {
		t.Errorf("the rest: %s", rest)
	}
	if p := ConfigParts([]byte("not json")); len(p) != 1 || string(p[0].Text) != "not json" {
		t.Errorf("a config that is not JSON: %+v", p)
	}
}
