package action

import (
	"fmt"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/oci"
	"github.com/cratesguard/cratesguard/internal/target"
)

// packageInputs are the inputs that list what a release pushes to
// registries, and the prefix each entry's target takes.
var packageInputs = []struct{ input, prefix string }{
	{"images", target.OCIPrefix}, {"npm-packages", target.NPMPrefix}, {"pypi-packages", target.PyPIPrefix},
}

// packageTargets reads images (REF), npm-packages (NAME@VERSION) and
// pypi-packages (NAME==VERSION), with or without their target's prefix.
func packageTargets(in *inputs) ([]target.Target, error) {
	var out []target.Target
	for _, p := range packageInputs {
		for _, s := range in.list(p.input, true) {
			raw := s
			if !strings.HasPrefix(s, p.prefix) {
				raw = p.prefix + s
			}
			t, err := target.ParsePackage(raw)
			if err != nil {
				reason := err.Error()
				if te, ok := err.(*target.Error); ok {
					reason = te.Reason
				}
				return nil, config.Errorf(p.input, s, "%s", reason)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// registryPackage reads a registry_package event: the container image
// version it says was published to ghcr.io, by digest (the tag is only a
// label that may move).
func registryPackage(gh *githubactions.GitHubContext) (fromEvent, error) {
	if a, _ := gh.Event["action"].(string); a != "published" {
		return fromEvent{}, fmt.Errorf("the registry_package event's action is %q: only a version just published is scanned (name images to scan others)", a)
	}
	p, _ := gh.Event["registry_package"].(map[string]any)
	kind, _ := p["package_type"].(string)
	if k := strings.ToLower(kind); k != "container" && k != "docker" {
		return fromEvent{}, fmt.Errorf("the registry_package event is for a %q package: only container images (on %s) are scanned from it; name npm and PyPI packages with npm-packages and pypi-packages", kind, oci.GHCR)
	}
	ns, _ := p["namespace"].(string)
	if owner, ok := p["owner"].(map[string]any); ns == "" && ok {
		ns, _ = owner["login"].(string)
	}
	name, _ := p["name"].(string)
	pv, _ := p["package_version"].(map[string]any)
	version, _ := pv["version"].(string)
	cm, _ := pv["container_metadata"].(map[string]any)
	tag, _ := cm["tag"].(map[string]any)
	if !strings.HasPrefix(version, "sha256:") {
		version, _ = tag["digest"].(string)
	}
	ref := oci.GHCR + "/" + strings.ToLower(ns) + "/" + strings.ToLower(name)
	if strings.HasPrefix(version, "sha256:") {
		ref += "@" + version
	} else if tn, _ := tag["name"].(string); tn != "" {
		ref += ":" + tn
	} else {
		return fromEvent{}, fmt.Errorf("the registry_package event names no digest or tag of %s: name the image with images", ref)
	}
	t, err := target.ParsePackage(target.OCIPrefix + ref)
	if err != nil {
		return fromEvent{}, fmt.Errorf("the registry_package event names no image cratesguard can pull: %v", err)
	}
	return fromEvent{Packages: []target.Target{t}, Package: ref}, nil
}
