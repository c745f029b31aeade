package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/version"
)

// Summary counts a report.
type Summary struct {
	Findings int `json:"findings"`
	Failing  int `json:"failing"`
	Targets  int `json:"targets"`
	Scanned  int `json:"scanned"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	ExitCode int `json:"exitCode"`
}

// Summarize counts findings and target states.
func Summarize(r *findings.Report, policy findings.FailOn) Summary {
	s := Summary{Findings: len(r.Findings), Failing: len(r.Failing(policy)), ExitCode: r.ExitCode(policy)}
	for _, t := range r.Targets {
		s.Targets++
		switch t.State {
		case findings.Scanned:
			s.Scanned++
		case findings.Failed:
			s.Failed++
		case findings.Skipped:
			s.Skipped++
		}
	}
	return s
}

// Text writes the findings table and the targets that failed or warned.
func Text(w io.Writer, r *findings.Report, policy findings.FailOn) error {
	s := Summarize(r, policy)
	bw := &errWriter{w: w}
	if len(r.Findings) == 0 {
		fmt.Fprintf(bw, "No crates.io tokens found in %d target%s.\n", s.Targets, Plural(s.Targets))
	} else {
		fmt.Fprintf(bw, "%d crates.io token%s found (%d failing) in %d target%s.\n\n", s.Findings, Plural(s.Findings), s.Failing, s.Targets, Plural(s.Targets))
		verified := false
		for _, f := range r.Findings {
			verified = verified || f.Validity != ""
		}
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		head := "LEVEL\tRULE\tTOKEN\tSHA-256\tWHERE"
		if verified {
			head = "LEVEL\tVALIDITY\tRULE\tTOKEN\tSHA-256\tWHERE"
		}
		fmt.Fprintln(tw, head)
		for _, f := range r.Findings {
			more := ""
			if n := len(f.Locations) - 1; n > 0 {
				more = fmt.Sprintf(" (+%d more)", n)
			}
			validity := ""
			if verified {
				validity = cmp.Or(f.Validity, "-") + "\t"
			}
			fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s%s\n", f.Level(), validity, f.Rule, f.Token, f.SHA256[:16], short(f.Locations[0]), more)
		}
		tw.Flush()
	}
	var problems []string
	skipped := map[string]int{}
	for _, t := range r.Targets {
		switch {
		case t.State == findings.Failed:
			what := "failed  "
			if t.Discovered {
				what = "failed* "
			}
			problems = append(problems, fmt.Sprintf("  %s %s: %s", what, t.Target, t.Reason))
		case t.State == findings.Skipped && t.Discovered:
			skipped[skipReason(t.Reason)]++
		case t.State == findings.Skipped:
			problems = append(problems, fmt.Sprintf("  skipped  %s: %s", t.Target, t.Reason))
		}
		for _, w := range t.Warnings {
			problems = append(problems, fmt.Sprintf("  warning  %s: %s", t.Target, w))
		}
	}
	for _, w := range r.Warnings {
		problems = append(problems, "  warning  "+w)
	}
	if len(problems) > 0 {
		fmt.Fprintf(bw, "\nTargets not fully scanned:\n%s\n", strings.Join(problems, "\n"))
		if s.Failed > len(r.FailedTargets()) {
			fmt.Fprintln(bw, "  (* found while crawling: reported, but does not fail the scan)")
		}
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(bw, "\nIgnored (per the ignore file): %d token%s\n", len(r.Ignored), Plural(len(r.Ignored)))
		for _, ig := range r.Ignored {
			fmt.Fprintf(bw, "  %s  %s  %s: %s\n", ig.Token, ig.SHA256[:16], ig.FileLine, ig.Reason)
		}
	}
	if len(skipped) > 0 {
		reasons := make([]string, 0, len(skipped))
		n := 0
		for k, c := range skipped {
			reasons = append(reasons, fmt.Sprintf("%d %s", c, k))
			n += c
		}
		slices.Sort(reasons)
		fmt.Fprintf(bw, "\nDiscovered but not fetched: %d URL%s (%s); --format json lists them.\n", n, Plural(n), strings.Join(reasons, "; "))
	}
	return bw.err
}

// skipReason groups skip reasons: "host x.com is not…" counts with other hosts.
func skipReason(r string) string {
	if strings.HasPrefix(r, "host ") {
		return "on other hosts"
	}
	if strings.HasPrefix(r, "HTTP 404") || strings.HasPrefix(r, "HTTP 410") {
		return "not present (guessed paths)"
	}
	if strings.HasPrefix(r, "binary content") {
		return "binary"
	}
	return r
}

func short(l findings.Location) string {
	if l.Part == findings.PartHeaders {
		return l.Target + " (headers)"
	}
	return fmt.Sprintf("%s:%d:%d", l.Target, l.Line, l.Column)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

type jsonTarget struct {
	findings.Target
	DurationMS int64 `json:"durationMs"`
}

type jsonFinding struct {
	*findings.Finding
	Level string `json:"level"`
}

// JSON writes the machine-readable report. Tokens appear redacted.
func JSON(w io.Writer, r *findings.Report, policy findings.FailOn) error {
	out := struct {
		Tool     map[string]string  `json:"tool"`
		Summary  Summary            `json:"summary"`
		Findings []jsonFinding      `json:"findings"`
		Ignored  []findings.Ignored `json:"ignored"`
		Warnings []string           `json:"warnings"`
		Targets  []jsonTarget       `json:"targets"`
	}{
		Tool:     map[string]string{"name": "cratesguard", "version": version.Version},
		Summary:  Summarize(r, policy),
		Findings: []jsonFinding{},
		Ignored:  append([]findings.Ignored{}, r.Ignored...),
		Warnings: append([]string{}, r.Warnings...),
		Targets:  []jsonTarget{},
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, jsonFinding{f, f.Level()})
	}
	for _, t := range r.Targets {
		out.Targets = append(out.Targets, jsonTarget{t, t.Duration.Milliseconds()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
