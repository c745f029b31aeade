package report

import (
	"bufio"
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

// JSON writes the machine-readable report: tool, summary, findings,
// ignored tokens, notes, warnings and targets. Tokens appear redacted, and
// every string goes through safe.JSON on the way out. Findings and targets
// stream out one at a time, so a report of 25,000 findings costs no more
// memory than one.
func JSON(w io.Writer, r *findings.Report, policy findings.FailOn) error {
	bw := bufio.NewWriter(w)
	field := func(name string, v any, last bool) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("  \"" + name + "\": ")
		bw.Write(safe.JSON(b))
		if !last {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		return nil
	}
	list := func(name string, n int, item func(i int) any, last bool) error {
		bw.WriteString("  \"" + name + "\": [")
		for i := 0; i < n; i++ {
			b, err := json.MarshalIndent(item(i), "    ", "  ")
			if err != nil {
				return err
			}
			if i > 0 {
				bw.WriteString(",")
			}
			bw.WriteString("\n    ")
			bw.Write(safe.JSON(b))
		}
		if n > 0 {
			bw.WriteString("\n  ")
		}
		bw.WriteString("]")
		if !last {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		return nil
	}
	bw.WriteString("{\n")
	steps := []func() error{
		func() error {
			return field("tool", map[string]string{"name": "cratesguard", "version": version.Get()}, false)
		},
		func() error { return field("summary", Summarize(r, policy), false) },
		func() error {
			return list("findings", len(r.Findings), func(i int) any {
				f := r.Findings[i]
				return jsonFinding{f, f.Level(), RuleOf(f).ID}
			}, false)
		},
		func() error { return field("ignored", append([]findings.Ignored{}, r.Ignored...), false) },
		func() error { return field("interrupted", r.Interrupted, false) },
		func() error { return field("info", append([]string{}, r.Info...), false) },
		func() error { return field("warnings", append([]string{}, r.Warnings...), false) },
		func() error {
			return list("targets", len(r.Targets), func(i int) any {
				t := r.Targets[i]
				return jsonTarget{t, t.Duration.Milliseconds()}
			}, true)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
