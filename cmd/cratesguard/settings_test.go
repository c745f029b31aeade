package main

// One source of truth for settings: every scan flag is an Action input of
// the same meaning and default, or is listed as CLI-only in the README;
// action.yml (read with a YAML parser), browser/action.yml and README's
// table say the same names, defaults and whole descriptions.

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type actionFile struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
}

func readAction(t *testing.T, path string) actionFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}

// readmeRows reads a README table under heading: first cell's name -> the
// other cells, backquotes around a whole cell dropped.
func readmeRows(t *testing.T, heading string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %s", heading)
	}
	rows := map[string][]string{}
	name := regexp.MustCompile("^`([a-z-]+)`$")
	for _, line := range strings.Split(s[i+len(heading)+2:], "\n") {
		if strings.HasPrefix(line, "#") {
			break
		}
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		m := name.FindStringSubmatch(strings.TrimSpace(cells[0]))
		if m == nil {
			continue
		}
		var rest []string
		for _, c := range cells[1:] {
			c = strings.TrimSpace(c)
			if strings.Count(c, "`") == 2 && strings.HasPrefix(c, "`") && strings.HasSuffix(c, "`") {
				c = strings.Trim(c, "`")
			}
			rest = append(rest, c)
		}
		rows[m[1]] = rest
	}
	return rows
}

func TestActionYMLAndREADMESayTheSame(t *testing.T) {
	main, browser := readAction(t, "../../action.yml"), readAction(t, "../../browser/action.yml")
	rows := readmeRows(t, "### Inputs")
	for name, in := range main.Inputs {
		r, ok := rows[name]
		switch {
		case !ok:
			t.Errorf("input %s is not in README's table", name)
		case r[0] != in.Default:
			t.Errorf("input %s: README's default %q, action.yml's %q", name, r[0], in.Default)
		case r[1] != in.Description:
			t.Errorf("input %s: README says\n  %q\naction.yml says\n  %q", name, r[1], in.Description)
		}
		b, ok := browser.Inputs[name]
		switch {
		case !ok:
			t.Errorf("input %s is not in browser/action.yml", name)
		case name != "browser" && (b.Default != in.Default || b.Description != in.Description):
			t.Errorf("input %s: browser/action.yml says %q (default %q), action.yml %q (%q)", name, b.Description, b.Default, in.Description, in.Default)
		}
	}
	for name := range rows {
		if _, ok := main.Inputs[name]; !ok {
			t.Errorf("README lists input %s, which action.yml lacks", name)
		}
	}
	if len(browser.Inputs) != len(main.Inputs) {
		t.Errorf("browser/action.yml has %d inputs, action.yml %d", len(browser.Inputs), len(main.Inputs))
	}
	outs := readmeRows(t, "### Outputs")
	for name, o := range main.Outputs {
		if r, ok := outs[name]; !ok || r[0] != o.Description {
			t.Errorf("output %s: README says %q, action.yml %q", name, r, o.Description)
		}
	}
	if len(outs) != len(main.Outputs) {
		t.Errorf("README lists %d outputs, action.yml %d", len(outs), len(main.Outputs))
	}
}

// actionDefault says why an input's default differs from its flag's (the
// README says so too).
var actionDefault = map[string]string{
	"crate-wait":  "a release job scans right after publishing",
	"ignore-file": "the CLI looks in --repo for the same file",
	"sarif":       "a step always writes its SARIF, for upload-sarif",
}

// inputOf is the Action input a scan flag is, where the names differ.
var inputOf = map[string]string{"allow-host": "allow-hosts", "header": "headers", "sarif": "sarif-file", "targets-file": "urls-file"}

func TestEveryScanFlagIsAnInputOrCLIOnly(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?m)^CLI-only flags: (.*)$").FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("README does not list the CLI-only flags (a line \"CLI-only flags: …\")")
	}
	var cliOnly []string
	for _, f := range regexp.MustCompile("`--([a-z-]+)`").FindAllStringSubmatch(m[1], -1) {
		cliOnly = append(cliOnly, f[1])
	}
	inputs := readAction(t, "../../action.yml").Inputs
	f := newScanFlags()
	f.fs.VisitAll(func(fl *flag.Flag) {
		name := fl.Name
		if in, ok := inputOf[name]; ok {
			name = in
		}
		_, isInput := inputs[name]
		switch {
		case isInput && slices.Contains(cliOnly, fl.Name):
			t.Errorf("--%s is said to be CLI-only, but is input %s", fl.Name, name)
		case !isInput && !slices.Contains(cliOnly, fl.Name):
			t.Errorf("--%s is neither an Action input nor listed as CLI-only", fl.Name)
		case isInput && actionDefault[fl.Name] == "" && inputs[name].Default != "" && fl.DefValue != inputs[name].Default &&
			!(fl.DefValue == "0" && inputs[name].Default == "") && !strings.HasPrefix(inputs[name].Default, "$"):
			t.Errorf("--%s defaults to %q, input %s to %q", fl.Name, fl.DefValue, name, inputs[name].Default)
		}
	})
}
