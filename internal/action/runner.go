package action

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/cratesguard/cratesguard/internal/report"
	"github.com/cratesguard/cratesguard/internal/safe"
)

// runner is how the step talks to the Actions runner: workflow commands on
// stdout (through safe.Out, so no other line can pass for one), the output
// and summary files. Every command's text goes through safe.Command.
type runner struct {
	out    *safe.Out
	getenv func(string) string
	// actions is true under GitHub Actions (GITHUB_ACTIONS=true): only
	// there are masks and file commands meaningful.
	actions bool
}

func (r *runner) command(name string, props []string, format string, args ...any) {
	r.out.Command(safe.Command(name, props, format, args...))
}

func (r *runner) errorf(format string, args ...any) { r.command("error", nil, format, args...) }

// mask asks the runner to hide v in every later line of the log. Outside
// GitHub Actions nothing would hide it, so nothing is printed.
func (r *runner) mask(v string) {
	if r.actions {
		r.out.Mask(v)
	}
}

// setOutput appends a step output to GITHUB_OUTPUT in the runner's
// multi-line form, with a random delimiter per value (as the official
// toolkit does): a value cannot end itself early and add another output.
func (r *runner) setOutput(name, value string) error {
	path := r.getenv("GITHUB_OUTPUT")
	if path == "" {
		return nil // a local run: no runner to read outputs
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	delim := "ghadelimiter_" + hex.EncodeToString(rnd[:])
	value = safe.Redact(value)
	if strings.Contains(value, delim) {
		return fmt.Errorf("output %s: value holds its delimiter", name)
	}
	return appendFile(path, fmt.Sprintf("%s<<%s\n%s\n%s\n", name, delim, value, delim))
}

// summary appends markdown to the job summary, within GitHub's 1 MiB.
func (r *runner) summary(md string) error {
	path := r.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	md = safe.Redact(md)
	if len(md) > report.SummaryMax {
		md = md[:report.SummaryMax-64] + "\n\n…(cut at GitHub's 1 MiB limit)\n"
	}
	return appendFile(path, md)
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
