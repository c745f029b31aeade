package action

import (
	"errors"
	"fmt"
	"net/url"
	"os"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/cratesguard/cratesguard/internal/cargo"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/verify"
)

// fromEvent is what the event names to scan when no input does: a
// deployment's URL, a release's assets, or the image a registry_package
// event says was published.
type fromEvent struct {
	URL     string
	Release string // the release's tag
	Assets  []target.Target
	// Packages are the image version published; Package names it.
	Packages []target.Target
	Package  string
}

// maxAssets bounds the assets taken from one release event.
const maxAssets = 500

// eventTargets reads the event: a deployment_status names its URL, a
// release its assets (through the API, with token, when the repository is
// private).
func eventTargets(gh *githubactions.GitHubContext, ctxErr error, token string) (fromEvent, error) {
	if ctxErr == nil && gh.EventName == "release" {
		return releaseAssets(gh, token)
	}
	if ctxErr == nil && gh.EventName == "registry_package" {
		return registryPackage(gh)
	}
	u, err := eventURL(gh, ctxErr)
	return fromEvent{URL: u}, err
}

func releaseAssets(gh *githubactions.GitHubContext, token string) (fromEvent, error) {
	rel, _ := gh.Event["release"].(map[string]any)
	repo, _ := gh.Event["repository"].(map[string]any)
	private, _ := repo["private"].(bool)
	ev := fromEvent{}
	ev.Release, _ = rel["tag_name"].(string)
	assets, _ := rel["assets"].([]any)
	if len(assets) > maxAssets {
		return ev, fmt.Errorf("the release lists %d assets, more than the %d cratesguard takes from an event: name them with urls", len(assets), maxAssets)
	}
	for i, a := range assets {
		as, _ := a.(map[string]any)
		name, _ := as["name"].(string)
		key := "browser_download_url"
		if private {
			key = "url" // the API's asset URL: the download URL needs a browser session
		}
		raw, _ := as[key].(string)
		u, err := url.Parse(raw)
		if raw == "" || err != nil {
			return ev, fmt.Errorf("release asset %d has no %s", i+1, key)
		}
		if err := verify.CheckAPI(raw); err != nil {
			return ev, fmt.Errorf("release asset %d: %v", i+1, err)
		}
		t := target.Target{Raw: raw, URL: u, Download: true, Name: "release asset " + name}
		if private {
			if token == "" {
				return ev, &config.Error{Field: "token", Msg: "the repository is private: its release assets are read through the API with a token (the default is github.token)"}
			}
			t.Auth = "Bearer " + token
		}
		ev.Assets = append(ev.Assets, t)
	}
	return ev, nil
}

// crateTargets reads the crates input: auto (the crates the workspace's
// Cargo.toml publishes, on a release with nothing else named), none, or a
// list of NAME@VERSION (or NAME, its default version).
func crateTargets(in *inputs, ws workspace, repo string, auto bool) ([]target.Target, []string, error) {
	spec := in.list("crates", true)
	if len(spec) == 0 {
		spec = []string{"auto"}
	}
	switch {
	case len(spec) == 1 && spec[0] == "none":
		return nil, nil, nil
	case len(spec) == 1 && spec[0] == "auto":
		if !auto {
			return nil, nil, nil
		}
		pkgs, err := cargo.Published(repo, func(p string) (string, error) { return ws.resolve("crates", p, ws.dir) })
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil, nil // no Cargo.toml: no crates
			}
			return nil, nil, &config.Error{Field: "crates", Msg: "auto: reading Cargo.toml: " + err.Error()}
		}
		var out []target.Target
		var names []string
		for _, p := range pkgs {
			out = append(out, target.Target{Raw: target.CratePrefix + p.Name + "@" + p.Version, Crate: p.Name, Version: p.Version})
			names = append(names, p.Name+"@"+p.Version)
		}
		return out, names, nil
	}
	var out []target.Target
	var names []string
	for _, s := range spec {
		t, err := target.ParseCrate(target.CratePrefix + s)
		if err != nil {
			return nil, nil, config.Errorf("crates", s, "is not NAME@VERSION, NAME, auto or none")
		}
		out = append(out, t)
		names = append(names, s)
	}
	return out, names, nil
}
