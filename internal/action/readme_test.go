package action

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ymlDefaults reads each input's default from action.yml.
func ymlDefaults(t *testing.T) map[string]string {
	return ymlDefaultsOf(t, filepath.Join("..", "..", "action.yml"))
}

// ymlDefaultsOf reads each input's default from the action file at path.
func ymlDefaultsOf(t *testing.T, path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	section, cur := "", ""
	for _, line := range strings.Split(string(b), "\n") {
		if len(line) > 0 && line[0] != ' ' && line[0] != '#' {
			section = strings.TrimSuffix(line, ":")
			continue
		}
		if m := regexp.MustCompile(`^  ([a-z-]+):$`).FindStringSubmatch(line); m != nil && section == "inputs" {
			cur = m[1]
			out[cur] = ""
		}
		if m := regexp.MustCompile(`^    default: (.*)$`).FindStringSubmatch(line); m != nil && cur != "" {
			out[cur] = strings.Trim(m[1], `"`)
		}
	}
	return out
}

// The README's tables are compared with action.yml, whole, by
// cmd/cratesguard's TestActionYMLAndREADMESayTheSame (with a YAML parser).

// TestActionRunsAReleasedImage: action.yml runs the prebuilt image of a
// release (a pull, no build in the user's job), and the release workflow
// refuses a tag that action.yml does not name.
func TestActionRunsAReleasedImage(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	img := regexp.MustCompile(`(?m)^  image: (.*)$`).FindStringSubmatch(string(b))
	if img == nil || !regexp.MustCompile(`^docker://ghcr\.io/cratesguard/cratesguard:v\d+\.\d+\.\d+$`).MatchString(img[1]) {
		t.Errorf("action.yml runs %q, want docker://ghcr.io/cratesguard/cratesguard:vX.Y.Z", img)
	}
	if regexp.MustCompile(`(?m)^  entrypoint:`).Match(b) {
		t.Error("action.yml repeats the image's ENTRYPOINT")
	}
	rel, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", "release.yml"))
	if err != nil || !strings.Contains(string(rel), `want="  image: docker://${IMAGE}:${VERSION}"`) {
		t.Errorf("the release workflow does not check action.yml's image against the tag (%v)", err)
	}
}

// TestBrowserActionIsTheAction: the browser variant (browser/action.yml,
// used as cratesguard/cratesguard/browser@v1) takes the same inputs with
// the same defaults, except that browser is on, gives the same outputs, and
// runs the browser image of the same version.
func TestBrowserActionIsTheAction(t *testing.T) {
	main, variant := ymlDefaults(t), ymlDefaultsOf(t, filepath.Join("..", "..", "browser", "action.yml"))
	for name, def := range main {
		got, ok := variant[name]
		switch {
		case !ok:
			t.Errorf("input %s is missing from browser/action.yml", name)
		case name == "browser" && (def != "false" || got != "true"):
			t.Errorf("browser defaults to %q in action.yml and %q in browser/action.yml, want false and true", def, got)
		case name != "browser" && got != def:
			t.Errorf("input %s: default %q in browser/action.yml, %q in action.yml", name, got, def)
		}
	}
	if len(variant) != len(main) {
		t.Errorf("browser/action.yml has %d inputs, action.yml %d", len(variant), len(main))
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a, b := read(filepath.Join("..", "..", "action.yml")), read(filepath.Join("..", "..", "browser", "action.yml"))
	outs := func(s string) string { return s[strings.Index(s, "\noutputs:"):strings.Index(s, "\nruns:")] }
	strip := func(s string) string {
		return strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(s, ""))
	}
	if strip(outs(a)) != strip(outs(b)) {
		t.Error("the outputs of browser/action.yml differ from action.yml's")
	}
	img := regexp.MustCompile(`(?m)^  image: docker://ghcr\.io/cratesguard/cratesguard(-browser)?:(v[0-9.]+)$`)
	ma, mb := img.FindStringSubmatch(a), img.FindStringSubmatch(b)
	if ma == nil || mb == nil || ma[1] != "" || mb[1] != "-browser" || ma[2] != mb[2] {
		t.Errorf("images: %q and %q, want cratesguard and cratesguard-browser of one version", ma, mb)
	}
	rel := read(filepath.Join("..", "..", ".github", "workflows", "release.yml"))
	if !strings.Contains(rel, `want="  image: docker://${IMAGE}-browser:${VERSION}"`) || !strings.Contains(rel, "-f browser/Dockerfile") {
		t.Error("the release workflow neither checks browser/action.yml's image nor builds browser/Dockerfile")
	}
}
