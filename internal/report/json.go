package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/version"
)

type jsonTarget struct {
	findings.Target
	DurationMS int64 `json:"durationMs"`
}

type jsonFinding struct {
	*findings.Finding
	Level string `json:"level"`
	// AlertRule is the SARIF rule the finding is reported under (it
	// follows validity: a token crates.io rejects is reported apart).
	AlertRule string `json:"alertRule"`
}

// JSON writes the machine-readable report. Tokens appear redacted, and
// every string of the document goes through safe.JSON on the way out.
func JSON(w io.Writer, r *findings.Report, policy findings.FailOn) error {
	out := struct {
		Tool     map[string]string  `json:"tool"`
		Summary  Summary            `json:"summary"`
		Findings []jsonFinding      `json:"findings"`
		Ignored  []findings.Ignored `json:"ignored"`
		Info     []string           `json:"info"`
		Warnings []string           `json:"warnings"`
		Targets  []jsonTarget       `json:"targets"`
	}{
		Tool:     map[string]string{"name": "cratesguard", "version": version.Get()},
		Summary:  Summarize(r, policy),
		Findings: []jsonFinding{},
		Ignored:  append([]findings.Ignored{}, r.Ignored...),
		Info:     append([]string{}, r.Info...),
		Warnings: append([]string{}, r.Warnings...),
		Targets:  []jsonTarget{},
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, jsonFinding{f, f.Level(), RuleOf(f).ID})
	}
	for _, t := range r.Targets {
		out.Targets = append(out.Targets, jsonTarget{t, t.Duration.Milliseconds()})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(safe.JSON(b.Bytes()))
	return err
}
