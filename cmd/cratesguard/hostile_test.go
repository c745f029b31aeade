package main

// Helpers of the hostile-content suite (hostile_*_test.go): each file
// proves one class of the hostile-content issue against a server, a file
// tree or an event payload an attacker controls, through every output.

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// wfCommand is a workflow command as the Actions runner reads one: any line
// (split on \n, and on \r too) whose first non-blank characters are "::".
type wfCommand struct {
	name  string
	props map[string]string
	data  string
}

// runnerCommands parses stdout the way the runner does (ActionCommand.
// TryParseV2): leading white space trimmed, "::name k=v,k=v::data", with
// %0D %0A %25 (and in properties %3A %2C) unescaped.
func runnerCommands(stdout string) []wfCommand {
	var out []wfCommand
	unescape := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%")
	for _, line := range strings.FieldsFunc(stdout, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(line, "::") {
			continue
		}
		end := strings.Index(line[2:], "::")
		if end < 0 {
			continue
		}
		info, data := line[2:2+end], line[2+end+2:]
		name, props, _ := strings.Cut(info, " ")
		c := wfCommand{name: name, props: map[string]string{}, data: unescape.Replace(data)}
		for _, p := range strings.Split(props, ",") {
			if k, v, ok := strings.Cut(p, "="); ok {
				c.props[k] = unescape.Replace(v)
			}
		}
		out = append(out, c)
	}
	return out
}

// ownCommand reports whether a command is one cratesguard issues: masks,
// groups, and annotations whose title (or message) it wrote.
func ownCommand(c wfCommand, masks map[string]bool) bool {
	switch c.name {
	case "add-mask":
		return masks[c.data]
	case "group":
		return c.data == "cratesguard: findings"
	case "endgroup":
		return c.data == ""
	case "error", "warning", "notice":
		return strings.HasPrefix(c.props["title"], "cratesguard: ") || c.props["title"] == "" && strings.HasPrefix(c.data, "cratesguard: ")
	}
	return false
}

// checkStdout fails when the runner would read a command cratesguard did
// not mean to issue (a forged annotation, mask, stop-commands…), or when a
// line holds a raw control character.
func checkStdout(t *testing.T, stdout string, masks ...string) {
	t.Helper()
	allowed := map[string]bool{}
	for _, m := range masks {
		allowed[m] = true
	}
	for _, c := range runnerCommands(stdout) {
		if !ownCommand(c, allowed) {
			t.Errorf("the runner would read a command cratesguard did not issue: ::%s %v::%.80q", c.name, c.props, c.data)
		}
		if strings.Contains(c.data, "\x1b") || strings.Contains(c.props["file"], "\n") {
			t.Errorf("a command carries a raw control character: %q", c.data)
		}
	}
	checkNoControl(t, "stdout", stdout)
}

// checkNoControl fails on a C0 (but \n), DEL or C1 character, or invalid
// UTF-8: what a terminal would act on.
func checkNoControl(t *testing.T, name, s string) {
	t.Helper()
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		// and nothing invisible or passing for another character: format
		// (zero-width, BOM, bidi, tags), private-use, unassigned, odd spaces
		if r == utf8.RuneError && w == 1 || r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && !unicode.IsPrint(r) {
			t.Errorf("%s holds raw %U at byte %d: %.60q", name, r, i, s[max(0, i-20):])
			return
		}
		i += w
	}
}

// checkSecrets fails when any output holds one of the secrets (a full
// token, a header value) outside the ::add-mask:: line that masks it.
func checkSecrets(t *testing.T, outs map[string]string, secrets ...string) {
	t.Helper()
	for name, s := range outs {
		for _, line := range strings.Split(s, "\n") {
			for _, sec := range secrets {
				if sec != "" && strings.Contains(line, sec) && line != "::add-mask::"+sec {
					t.Errorf("%s shows a secret: %.100q", name, line)
				}
			}
		}
	}
}

// tokenShape is any full token shape, whatever case or context.
var tokenShape = regexp.MustCompile(`(?i)cio(_tp_)?[a-z0-9]{32}`)

// checkNoTokenShape fails when an output other than a mask line holds a
// token shape.
func checkNoTokenShape(t *testing.T, outs map[string]string) {
	t.Helper()
	for name, s := range outs {
		for _, line := range strings.Split(s, "\n") {
			if !strings.HasPrefix(line, "::add-mask::") && tokenShape.MatchString(line) {
				t.Errorf("%s shows a token shape: %.100q", name, line)
			}
		}
	}
}

// cmarkGFM renders markdown as GitHub does (cmark-gfm with GitHub's
// extensions), or skips the test when the tool is missing (CI installs it).
func cmarkGFM(t *testing.T, md string) string {
	t.Helper()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		if os.Getenv("CRATESGUARD_REQUIRE_TOOLS") != "" {
			t.Fatal("cmark-gfm is not installed, and CRATESGUARD_REQUIRE_TOOLS is set")
		}
		t.Skip("cmark-gfm not installed (apt-get install cmark-gfm): rendered-summary checks skipped")
	}
	cmd := exec.Command(bin, "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", "-e", "tasklist")
	cmd.Stdin = strings.NewReader(md)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// checkRendered fails when the summary, rendered as GitHub renders it,
// holds structure cratesguard did not write: a heading other than its own,
// a link other than crates.io's token page, an image, raw HTML; and, when
// rows >= 0, when its tables hold other than rows rows.
func checkRendered(t *testing.T, html string, rows int) {
	t.Helper()
	for _, h := range regexp.MustCompile(`<h[1-6]>[^<]*`).FindAllString(html, -1) {
		if h != "<h2>cratesguard" && h != "<h3>Targets that could not be scanned" && h != "<h3>Warnings" &&
			!regexp.MustCompile(`^<h3>Not opened: [0-9]+$`).MatchString(h) {
			t.Errorf("the rendered summary holds a heading it did not write: %q", h)
		}
	}
	for _, a := range regexp.MustCompile(`<a href="[^"]*"`).FindAllString(html, -1) {
		if a != `<a href="https://crates.io/settings/tokens"` {
			t.Errorf("the rendered summary holds a link it did not write: %s", a)
		}
	}
	for _, bad := range []string{"<img", "<script", "<td></td><td>", "<h1"} {
		if strings.Contains(html, bad) {
			t.Errorf("the rendered summary holds %q", bad)
		}
	}
	if n := strings.Count(html, "<tr>"); rows >= 0 && n != rows {
		t.Errorf("the summary's tables render %d rows, want %d:\n%s", n, rows, html)
	}
}
