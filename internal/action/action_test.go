package action

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/target"
)

// ActionYML reads the input and output names from action.yml: the keys
// indented two spaces under the top-level inputs: and outputs: sections.
func ActionYML(t *testing.T) (inputs, outputs []string) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case len(line) > 0 && line[0] != ' ' && line[0] != '#':
			section = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && strings.HasSuffix(line, ":"):
			name := strings.TrimSuffix(strings.TrimSpace(line), ":")
			if section == "inputs" {
				inputs = append(inputs, name)
			} else if section == "outputs" {
				outputs = append(outputs, name)
			}
		}
	}
	return inputs, outputs
}

// TestActionYMLMatchesTheCode runs the action and checks that it reads every
// input action.yml declares (and no other), and sets every output.
func TestActionYMLMatchesTheCode(t *testing.T) {
	declared, outs := ActionYML(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("nothing here"), 0o644)
	outFile := filepath.Join(dir, "out")
	os.WriteFile(outFile, nil, 0o644)
	env := map[string]string{
		"GITHUB_WORKSPACE": dir, "GITHUB_OUTPUT": outFile,
		"INPUT_PATHS": "a.txt",
	}
	getenv := func(k string) string { return env[k] }
	var stdout bytes.Buffer
	a := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(&stdout))
	in := &inputs{get: a.GetInput, read: map[string]bool{}}
	code, read := run(context.Background(), a, in, Env{Getenv: getenv, Stdout: &stdout})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stdout.String())
	}
	var got []string
	for k := range read {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Clone(declared)
	slices.Sort(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("inputs read by the code:\n %v\naction.yml declares:\n %v", got, want)
	}
	b, _ := os.ReadFile(outFile)
	for _, o := range outs {
		if !strings.Contains(string(b), o+"<<") {
			t.Errorf("output %s declared in action.yml is not set", o)
		}
	}
	slices.Sort(outs)
	o2 := slices.Clone(Outputs)
	slices.Sort(o2)
	if strings.Join(outs, ",") != strings.Join(o2, ",") {
		t.Errorf("outputs: action.yml %v, code %v", outs, o2)
	}
}

func TestShardIsDeterministicAndCovering(t *testing.T) {
	var ts []target.Target
	for i := 0; i < 200; i++ {
		tg, _ := target.Parse("https://site" + string(rune('a'+i%26)) + ".example/" + strings.Repeat("x", i))
		ts = append(ts, tg)
	}
	seen := map[string]int{}
	for k := 1; k <= 4; k++ {
		part := config.Shard(ts, k, 4)
		if len(part) < 20 {
			t.Errorf("shard %d/4 holds only %d of 200", k, len(part))
		}
		for _, tg := range part {
			seen[tg.String()]++
		}
		again := config.Shard(append([]target.Target{ts[5]}, ts...), k, 4) // order and extra entries do not move targets
		for _, tg := range part {
			if !slices.ContainsFunc(again, func(x target.Target) bool { return x.String() == tg.String() }) {
				t.Errorf("target %s moved shard", tg)
			}
		}
	}
	if len(seen) != 200 {
		t.Errorf("shards cover %d of 200 targets", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s is in %d shards", k, n)
		}
	}
}
