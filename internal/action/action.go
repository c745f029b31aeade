// Package action is cratesguard as a GitHub Action step: it reads the
// step's inputs into the configuration `cratesguard scan` uses, runs the
// same scan, writes the SARIF report, masks every token found, and reports
// through the runner: outputs, a job summary, annotations, grouped logs and
// the exit code. Everything it prints goes through internal/safe: no text
// of a scanned site can forge a workflow command or reach the summary as
// markdown.
package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/scan"
)

// Env is the runner as the action sees it.
type Env struct {
	Getenv func(string) string
	Stdout io.Writer
	// Scan options (tests may set a transport).
	Scan scan.Options
	// Interruption names the signal that cancelled the run's context, and
	// the exit code it means (SIGINT, 130; SIGTERM, 143); nil: "interrupted",
	// 130.
	Interruption func() (string, int)
}

// annotationsPerLevel is how many annotations of one level GitHub shows
// for a step.
const annotationsPerLevel = 10

// Outputs are the step outputs the action sets.
var Outputs = []string{"tokens", "findings", "placeholders", "sarif-file", "scanned", "skipped", "failed", "not-opened", "exit-code", "revoked"}

// Run is the action's entry point. It returns the process exit code.
func Run(ctx context.Context, env Env) int {
	a := githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(io.Discard))
	in := &inputs{get: a.GetInput, read: map[string]bool{}}
	code, _ := run(ctx, a, in, env)
	return code
}

// run does the work; it also returns the inputs read, for tests.
func run(ctx context.Context, a *githubactions.Action, in *inputs, env Env) (int, map[string]bool) {
	out := safe.NewOut(env.Stdout)
	defer out.Flush()
	r := &runner{out: out, getenv: env.Getenv, actions: env.Getenv("GITHUB_ACTIONS") == "true"}
	fail := func(err error) (int, map[string]bool) {
		var ce *config.Error
		if errors.As(err, &ce) {
			r.errorf("cratesguard: input %s", ce)
		} else {
			r.errorf("cratesguard: %s", err)
		}
		r.setOutput("exit-code", strconv.Itoa(findings.ExitUsage))
		return findings.ExitUsage, in.read
	}
	ws, err := newWorkspace(cmpOr(env.Getenv("GITHUB_WORKSPACE"), "."))
	if err != nil {
		return fail(err)
	}
	gh, ctxErr := a.Context()
	cfg, st, err := readConfig(in, ws, func(token string) (fromEvent, error) { return eventTargets(gh, ctxErr, token) })
	for _, h := range cfg.Headers {
		r.mask(h.Value) // before any message could show it
	}
	if err != nil {
		return fail(err)
	}

	rep := scan.Run(ctx, cfg, env.Scan)
	// Mask before anything else is printed about the results.
	for _, f := range rep.Findings {
		r.mask(f.Token.Reveal())
	}
	code := rep.ExitCode(cfg.FailOn)
	if ctx.Err() != nil { // the job was cancelled: the outputs say so too
		name, c := "interrupted", 130
		if env.Interruption != nil {
			name, c = env.Interruption()
		}
		rep.Interrupted, code = name, c
	}

	// The SARIF goes first: the upload step runs even when this one fails.
	// Inside the workspace (readConfig made sure): its directory may be made.
	err = os.MkdirAll(filepath.Dir(st.sarifPath), 0o755)
	var cut report.SARIFCut
	if err == nil {
		cut, err = report.WriteSARIF(st.sarifPath, rep, report.SARIFOptions{Category: cfg.Category, Root: cfg.Root})
	}
	if err != nil {
		r.errorf("cratesguard: %s", err)
		if code == findings.ExitClean || code == findings.ExitFailures {
			code = findings.ExitUsage // never hiding a failing token's 1, or an interruption
		}
	}
	if cut.Cut() {
		r.command("warning", nil, "cratesguard: %s", safe.Trusted(cut.Describe()))
	}

	r.command("group", nil, "cratesguard: findings")
	report.Text(out, rep, cfg.FailOn, cfg.Root)
	out.Flush()
	r.command("endgroup", nil, "")

	annotated := annotate(r, rep, cfg.Root)
	sum := report.Summarize(rep, cfg.FailOn)
	label, value := eventLine(gh, ctxErr)
	md := report.Markdown(rep, cfg.FailOn, report.MarkdownOptions{
		Root: cfg.Root, SARIFPath: st.sarifRel, EventLabel: label, EventValue: value,
		Unannotated: len(rep.Findings) - annotated,
	})
	if err := r.summary(md); err != nil {
		r.errorf("cratesguard: writing the job summary: %s", err)
	}
	for _, o := range []struct {
		name  string
		value string
	}{
		{"tokens", strconv.Itoa(sum.Tokens)},
		{"findings", strconv.Itoa(sum.Tokens)},
		{"placeholders", strconv.Itoa(sum.Placeholders)},
		{"sarif-file", st.sarifRel},
		{"scanned", strconv.Itoa(sum.Scanned)},
		{"skipped", strconv.Itoa(sum.Skipped)},
		{"failed", strconv.Itoa(sum.Failed)},
		{"not-opened", strconv.Itoa(sum.NotOpened)},
		{"exit-code", strconv.Itoa(code)},
		{"revoked", strconv.Itoa(sum.Revoked)},
	} {
		if err := r.setOutput(o.name, o.value); err != nil {
			r.errorf("cratesguard: setting output %s: %s", o.name, err)
		}
	}
	switch code {
	case findings.ExitFindings:
		r.errorf("cratesguard: %d leaked crates.io token%s: revoke %s at %s", sum.Failing, report.Plural(sum.Failing), safe.Trusted(them(sum.Failing)), safe.Trusted(report.RevokeURL))
	case findings.ExitFailures:
		if n := len(rep.FailedTargets()); n > 0 {
			r.errorf("cratesguard: %d target%s could not be scanned", n, report.Plural(n))
		}
		if rep.NotOpened > 0 {
			r.errorf("cratesguard: %d archive%s or member%s not opened: not scanned (see the job summary)", rep.NotOpened, report.Plural(rep.NotOpened), report.Plural(rep.NotOpened))
		}
	}
	return code, in.read
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// eventURL finds the URL to scan in a deployment_status event. It must be
// an http(s) URL: a deployment's environment_url is not trusted to name a
// local path.
func eventURL(gh *githubactions.GitHubContext, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("no urls given, and the event payload cannot be read: %v", err)
	}
	if gh.EventName != "deployment_status" {
		ev := gh.EventName
		if ev == "" {
			ev = "none"
		}
		return "", fmt.Errorf("no urls, urls-file or paths given, and the event (%s) is not deployment_status, which would name the deployed URL", ev)
	}
	ds, _ := gh.Event["deployment_status"].(map[string]any)
	for _, k := range []string{"environment_url", "target_url"} {
		u, _ := ds[k].(string)
		if u == "" {
			continue
		}
		if l := strings.ToLower(u); !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			return "", fmt.Errorf("the deployment_status event's %s is not an http(s) URL: set the urls input", k)
		}
		return u, nil
	}
	return "", fmt.Errorf("the deployment_status event has neither environment_url nor target_url: set the urls input")
}

// eventLine says what triggered the scan, for the summary: a label of
// cratesguard's, and the event's own value (outside text).
func eventLine(gh *githubactions.GitHubContext, err error) (safe.Trusted, string) {
	if err != nil || gh == nil {
		return "", ""
	}
	switch gh.EventName {
	case "release":
		if r, ok := gh.Event["release"].(map[string]any); ok {
			if tag, _ := r["tag_name"].(string); tag != "" {
				return "after release", tag
			}
		}
	case "registry_package":
		if p, ok := gh.Event["registry_package"].(map[string]any); ok {
			if name, _ := p["name"].(string); name != "" {
				return "after publishing the package", name
			}
		}
	case "deployment_status":
		if d, ok := gh.Event["deployment"].(map[string]any); ok {
			if env, _ := d["environment"].(string); env != "" {
				return "the deployment to", env
			}
		}
	}
	return "", ""
}

// annotate emits one annotation per finding, as many as GitHub shows, and
// returns how many it emitted. A local file's annotation names the file
// relative to the workspace, once escaped (by safe.Command).
func annotate(r *runner, rep *findings.Report, root string) int {
	shown := map[string]int{}
	total := 0
	for _, f := range rep.Findings {
		level := "error"
		if f.Placeholder || f.Validity == "inactive" {
			level = "notice"
		}
		if shown[level] >= annotationsPerLevel {
			continue
		}
		shown[level]++
		total++
		loc := f.Locations[0]
		ru := report.RuleOf(f)
		var props []string
		if !loc.IsURL {
			if rel, err := filepath.Rel(root, loc.Target); err == nil && !strings.HasPrefix(rel, "..") {
				props = append(props, "file", filepath.ToSlash(rel), "line", strconv.Itoa(max(loc.Line, 1)))
				if loc.Column16 > 0 {
					props = append(props, "col", strconv.Itoa(loc.Column16))
				}
			}
		}
		props = append(props, "title", "cratesguard: "+ru.Short)
		r.command(level, props, "%s", safe.Trusted(report.TerminalMessage(f, ru, root)))
	}
	return total
}
