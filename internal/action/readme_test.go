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
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
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

// readmeTable reads the rows of the table under a README heading: the
// first cell's `name` and the second cell.
func readmeTable(t *testing.T, heading string) map[string]string {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	out := map[string]string{}
	row := regexp.MustCompile("^\\| `([a-z-]+)` \\| ([^|]*) \\|")
	for _, line := range strings.Split(s[i+len(heading)+2:], "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		if m := row.FindStringSubmatch(line); m != nil {
			out[m[1]] = strings.Trim(strings.TrimSpace(m[2]), "`")
		}
	}
	return out
}

// TestREADMEMatchesActionYML fails when the README's inputs and outputs
// tables drift from action.yml.
func TestREADMEMatchesActionYML(t *testing.T) {
	defaults := ymlDefaults(t)
	table := readmeTable(t, "### Inputs")
	for name, def := range defaults {
		got, ok := table[name]
		if !ok {
			t.Errorf("input %s is in action.yml but not in the README", name)
		} else if got != def {
			t.Errorf("input %s: README default %q, action.yml %q", name, got, def)
		}
	}
	for name := range table {
		if _, ok := defaults[name]; !ok {
			t.Errorf("README documents input %s, which action.yml lacks", name)
		}
	}
	_, outs := ActionYML(t)
	otable := readmeTable(t, "### Outputs")
	if len(otable) != len(outs) {
		t.Errorf("README documents %d outputs, action.yml has %d", len(otable), len(outs))
	}
	for _, o := range outs {
		if _, ok := otable[o]; !ok {
			t.Errorf("output %s is not in the README", o)
		}
	}
}

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
