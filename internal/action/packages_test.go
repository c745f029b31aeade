package action

import (
	"encoding/json"
	"strings"
	"testing"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/cratesguard/cratesguard/internal/config"
)

// readWith reads the configuration from inputs, on event with payload.
func readWith(t *testing.T, in map[string]string, event, payload string) (config.Config, error) {
	t.Helper()
	ws, err := newWorkspace(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	gh := &githubactions.GitHubContext{EventName: event}
	if payload != "" {
		if err := json.Unmarshal([]byte(payload), &gh.Event); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) string { return in[name] }
	cfg, _, err := readConfig(&inputs{get: get, read: map[string]bool{}}, ws, func(token string) (fromEvent, error) { return eventTargets(gh, nil, token) })
	return cfg, err
}

func targetsOf(cfg config.Config) string {
	var out []string
	for _, t := range cfg.Targets {
		out = append(out, t.String())
	}
	return strings.Join(out, " ")
}

func TestPackageInputs(t *testing.T) {
	cfg, err := readWith(t, map[string]string{
		"images":        "ghcr.io/acme/app:1.2.3\noci:ghcr.io/acme/app@sha256:" + strings.Repeat("0", 64),
		"npm-packages":  "@acme/wasm@0.2.0, left-pad",
		"pypi-packages": "acme-py==1.2.3",
		"platform":      "linux/arm64",
		"npm-registry":  "http://127.0.0.1:4873",
		"token":         "ghs_job",
	}, "push", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "oci:ghcr.io/acme/app:1.2.3 oci:ghcr.io/acme/app@sha256:" + strings.Repeat("0", 64) + " npm:@acme/wasm@0.2.0 npm:left-pad pypi:acme-py==1.2.3"
	if got := targetsOf(cfg); got != want {
		t.Errorf("targets\n %s\nwant\n %s", got, want)
	}
	if cfg.GHCRToken != "ghs_job" || cfg.NPMRegistry != "http://127.0.0.1:4873" || cfg.PyPIURL != "https://pypi.org" || strings.Join(cfg.Platforms, ",") != "linux/arm64" {
		t.Errorf("settings: %q %q %q %v", cfg.GHCRToken, cfg.NPMRegistry, cfg.PyPIURL, cfg.Platforms)
	}
	for input, value := range map[string]string{"images": "ghcr.io/Acme/App:1", "npm-packages": "left-pad@latest", "pypi-packages": "a b==1"} {
		_, err := readWith(t, map[string]string{input: value}, "push", "")
		if err == nil || !strings.HasPrefix(err.Error(), input+": ") {
			t.Errorf("%s %q: %v", input, value, err)
		}
	}
}

func TestRegistryPackageEvent(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	container := `{"action":"published","registry_package":{"name":"App","namespace":"Acme","package_type":"CONTAINER",
		"package_version":{"version":"` + digest + `","container_metadata":{"tag":{"name":"1.2.3","digest":"` + digest + `"}}}}}`
	cfg, err := readWith(t, map[string]string{"token": "ghs_job"}, "registry_package", container)
	if err != nil {
		t.Fatal(err)
	}
	if got := targetsOf(cfg); got != "oci:ghcr.io/acme/app@"+digest {
		t.Errorf("the event's image: %s", got)
	}
	if len(cfg.Info) == 0 || !strings.Contains(cfg.Info[0], "ghcr.io/acme/app@"+digest+" was published") {
		t.Errorf("the run does not say what it scans: %v", cfg.Info)
	}
	// Named inputs win over the event.
	if cfg, err := readWith(t, map[string]string{"images": "ghcr.io/acme/other:1"}, "registry_package", container); err != nil || targetsOf(cfg) != "oci:ghcr.io/acme/other:1" {
		t.Errorf("images given: %s, %v", targetsOf(cfg), err)
	}
	for payload, want := range map[string]string{
		strings.Replace(container, "published", "updated", 1):                                                                    "only a version just published",
		strings.Replace(container, "CONTAINER", "npm", 1):                                                                        "name npm and PyPI packages with npm-packages",
		strings.Replace(container, `"Acme"`, `"a b"`, 1):                                                                         "no image cratesguard can pull",
		`{"action":"published","registry_package":{"package_type":"container","name":"x","namespace":"y","package_version":{}}}`: "names no digest or tag",
	} {
		if _, err := readWith(t, nil, "registry_package", payload); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.80s…: %v, want %q", payload, err, want)
		}
	}
}
