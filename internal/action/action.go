// Package action is cratesguard as a GitHub Action step: it reads the
// step's inputs into the configuration `cratesguard scan` uses, runs the
// same scan, writes the SARIF report, masks every token found, and reports
// through the runner: outputs, a job summary, annotations, grouped logs and
// the exit code.
package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/scan"
)

// Env is the runner as the action sees it.
type Env struct {
	Getenv func(string) string
	Stdout io.Writer
	// Scan options (tests may set a transport).
	Scan scan.Options
}

// Limits GitHub puts on what a step shows.
const (
	annotationsPerLevel = 10
	summaryMax          = 1 << 20
)

// Outputs are the step outputs the action sets.
var Outputs = []string{"findings", "sarif-file", "scanned", "failed", "exit-code"}

// Run is the action's entry point. It returns the process exit code.
func Run(ctx context.Context, env Env) int {
	a := githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(env.Stdout))
	in := &inputs{get: a.GetInput, read: map[string]bool{}}
	code, _ := run(ctx, a, in, env)
	return code
}

// run does the work; it also returns the inputs read, for tests.
func run(ctx context.Context, a *githubactions.Action, in *inputs, env Env) (int, map[string]bool) {
	workspace := env.Getenv("GITHUB_WORKSPACE")
	if workspace == "" {
		workspace = "."
	}
	gh, ctxErr := a.Context()
	cfg, st, err := readConfig(in, workspace, func() (string, error) { return eventURL(gh, ctxErr) })
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			a.Errorf("cratesguard: input %s", ce.Error())
		} else {
			a.Errorf("cratesguard: %v", err)
		}
		setOutput(a, "exit-code", strconv.Itoa(findings.ExitUsage))
		return findings.ExitUsage, in.read
	}
	for _, h := range cfg.Headers {
		if h.Value != "" {
			a.AddMask(h.Value)
		}
	}

	rep := scan.Run(ctx, cfg, env.Scan)
	// Mask before anything else is printed about the results.
	for _, f := range rep.Findings {
		a.AddMask(f.Token.Reveal())
	}
	code := rep.ExitCode(cfg.FailOn)

	// The SARIF goes first: the upload step runs even when this one fails.
	log, err := report.SARIF(rep, report.SARIFOptions{Category: cfg.Category, Root: cfg.Root})
	if err == nil {
		err = report.WriteSARIF(st.sarifPath, log)
	}
	if err != nil {
		a.Errorf("cratesguard: %v", err)
		code = findings.ExitUsage
	}

	a.Group("cratesguard: findings")
	var text bytes.Buffer
	report.Text(&text, rep, cfg.FailOn)
	fmt.Fprint(env.Stdout, text.String())
	a.EndGroup()

	annotated := annotate(a, rep, cfg.Root)
	sum := report.Summarize(rep, cfg.FailOn)
	if env.Getenv("GITHUB_STEP_SUMMARY") != "" {
		md := Summary(rep, cfg.FailOn, st.sarifPath, cfg.Root)
		if n := len(rep.Findings) - annotated; n > 0 {
			md += fmt.Sprintf("\n%d finding%s not annotated: GitHub shows %d annotations per level per step. All are listed above and in the SARIF report.\n",
				n, report.Plural(n), annotationsPerLevel)
		}
		if what := eventLine(gh, ctxErr); what != "" {
			md = strings.Replace(md, "\n\n", "\n\n"+what+"\n\n", 1)
		}
		a.AddStepSummary(md)
	}
	setOutput(a, "findings", strconv.Itoa(sum.Findings))
	setOutput(a, "sarif-file", st.sarifPath)
	setOutput(a, "scanned", strconv.Itoa(sum.Scanned))
	setOutput(a, "failed", strconv.Itoa(sum.Failed))
	setOutput(a, "exit-code", strconv.Itoa(code))
	switch code {
	case findings.ExitFindings:
		a.Errorf("cratesguard: %d leaked crates.io token%s: revoke %s at https://crates.io/settings/tokens", sum.Failing, report.Plural(sum.Failing), them(sum.Failing))
	case findings.ExitFailures:
		a.Errorf("cratesguard: %d target%s could not be scanned", len(rep.FailedTargets()), report.Plural(len(rep.FailedTargets())))
	}
	return code, in.read
}

// setOutput sets a step output when the runner provides GITHUB_OUTPUT
// (a local run has none).
func setOutput(a *githubactions.Action, k, v string) {
	if a.Getenv("GITHUB_OUTPUT") != "" {
		a.SetOutput(k, v)
	}
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// eventURL finds the URL to scan in a deployment_status event.
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
		if u, _ := ds[k].(string); u != "" {
			return u, nil
		}
	}
	return "", fmt.Errorf("the deployment_status event has neither environment_url nor target_url: set the urls input")
}

// eventLine says what triggered the scan, for the summary.
func eventLine(gh *githubactions.GitHubContext, err error) string {
	if err != nil || gh == nil {
		return ""
	}
	switch gh.EventName {
	case "release":
		if r, ok := gh.Event["release"].(map[string]any); ok {
			if tag, _ := r["tag_name"].(string); tag != "" {
				return "Scanned after release `" + mdEscape(tag) + "`."
			}
		}
	case "deployment_status":
		if d, ok := gh.Event["deployment"].(map[string]any); ok {
			if env, _ := d["environment"].(string); env != "" {
				return "Scanned the `" + mdEscape(env) + "` deployment."
			}
		}
	}
	return ""
}

// annotate emits one annotation per finding, as many as GitHub shows, and
// returns how many it emitted.
func annotate(a *githubactions.Action, rep *findings.Report, root string) int {
	shown := map[string]int{}
	total := 0
	for _, f := range rep.Findings {
		level := "error"
		if f.Placeholder {
			level = "notice"
		}
		if shown[level] >= annotationsPerLevel {
			continue
		}
		shown[level]++
		total++
		loc := f.Locations[0]
		ru, _ := report.RuleByID(f.Rule)
		fields := map[string]string{"title": "cratesguard: " + ru.Short}
		if !loc.IsURL {
			fields["file"] = report.URI(loc, root)
			fields["line"] = strconv.Itoa(loc.Line)
			fields["col"] = strconv.Itoa(loc.Column)
		}
		msg := report.Message(f, ru, root)
		if level == "error" {
			a.WithFieldsMap(fields).Errorf("%s", msg)
		} else {
			a.WithFieldsMap(fields).Noticef("%s", msg)
		}
	}
	return total
}

// Summary renders the job summary: findings, then targets that failed,
// kept under GitHub's 1 MiB with an "…and N more" line.
func Summary(rep *findings.Report, policy findings.FailOn, sarifPath, root string) string {
	var b strings.Builder
	sum := report.Summarize(rep, policy)
	fmt.Fprintf(&b, "## cratesguard\n\n")
	switch {
	case sum.Findings == 0:
		fmt.Fprintf(&b, "No crates.io tokens found in %d scanned target%s.\n\n", sum.Scanned, report.Plural(sum.Scanned))
	default:
		fmt.Fprintf(&b, "**%d crates.io token%s found** (%d failing) in %d scanned target%s. Revoke leaked tokens at https://crates.io/settings/tokens.\n\n",
			sum.Findings, report.Plural(sum.Findings), sum.Failing, sum.Scanned, report.Plural(sum.Scanned))
	}
	budget := summaryMax - 64<<10 // room for the tail
	more := 0
	if len(rep.Findings) > 0 {
		b.WriteString("| Token | SHA-256 | Rule | Where found | Severity | Validity |\n| --- | --- | --- | --- | --- | --- |\n")
		for i, f := range rep.Findings {
			ru, _ := report.RuleByID(f.Rule)
			validity := f.Validity
			if validity == "" {
				validity = "not checked"
			}
			row := fmt.Sprintf("| `%s` | `%s` | %s | %s | %s | %s |\n", f.Token, f.SHA256[:16], ru.Title, mdEscape(where(f, root)), f.Level(), validity)
			if b.Len()+len(row) > budget {
				more = len(rep.Findings) - i
				break
			}
			b.WriteString(row)
		}
		if more > 0 {
			fmt.Fprintf(&b, "\n…and %d more findings (all are in the SARIF report).\n", more)
		}
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(&b, "\n%d token%s ignored per the ignore file:\n\n", len(rep.Ignored), report.Plural(len(rep.Ignored)))
		for _, ig := range rep.Ignored {
			fmt.Fprintf(&b, "- `%s` (`%s`, %s): %s\n", ig.Token, ig.SHA256[:16], mdEscape(ig.FileLine), mdEscape(ig.Reason))
		}
	}
	failed := []findings.Target{}
	for _, t := range rep.Targets {
		if t.State == findings.Failed {
			failed = append(failed, t)
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n### Targets that could not be scanned\n\n| Target | Reason |\n| --- | --- |\n")
		for i, t := range failed {
			row := fmt.Sprintf("| %s | %s |\n", mdEscape(t.Target), mdEscape(t.Reason))
			if b.Len()+len(row) > summaryMax-4096 {
				fmt.Fprintf(&b, "\n…and %d more targets.\n", len(failed)-i)
				break
			}
			b.WriteString(row)
		}
	}
	fmt.Fprintf(&b, "\nSARIF report: `%s`\n", sarifPath)
	return b.String()
}

func where(f *findings.Finding, root string) string {
	s := report.Where(f.Locations[0], root)
	if n := len(f.Locations) - 1; n > 0 {
		s += fmt.Sprintf(" (+%d more)", n)
	}
	return s
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
