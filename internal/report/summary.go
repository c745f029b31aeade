package report

import (
	"fmt"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// Summary counts a report. Every front end shows these same figures: the
// text output, JSON, the job summary and the Action's outputs.
type Summary struct {
	// Tokens are distinct real tokens; Placeholders token-shaped fillers,
	// counted apart. Failing are the tokens at or above --fail-on.
	Tokens       int `json:"tokens"`
	Placeholders int `json:"placeholders"`
	Failing      int `json:"failing"`
	Ignored      int `json:"ignored"`
	// Revoked are the tokens --revoke had crates.io revoke.
	Revoked int `json:"revoked"`
	// Scanned, Skipped and Failed count the targets (and discovered URLs
	// and files) by how they ended.
	Scanned int `json:"scanned"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
	// NotOpened counts what was recognised as an archive or compressed
	// stream and not read: whole targets, members, the rest of an
	// archive past a bound. None of it was scanned.
	NotOpened int `json:"notOpened"`
	ExitCode  int `json:"exitCode"`
}

// Summarize counts findings and target states.
func Summarize(r *findings.Report, policy findings.FailOn) Summary {
	s := Summary{Failing: len(r.Failing(policy)), Ignored: len(r.Ignored), ExitCode: r.ExitCode(policy)}
	for _, f := range r.Findings {
		if f.Placeholder {
			s.Placeholders++
		} else {
			s.Tokens++
		}
		if f.Revocation == "revoked" {
			s.Revoked++
		}
	}
	counts := r.Counts
	if counts == nil { // a report not made by a Collector
		counts = map[findings.State]int{}
		for _, t := range r.Targets {
			counts[t.State]++
		}
	}
	s.Scanned, s.Skipped, s.Failed = counts[findings.Scanned], counts[findings.Skipped], counts[findings.Failed]
	s.NotOpened = r.NotOpened
	return s
}

// Plural is "s" unless n is 1.
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// RevokeAdvice is what to do about the tokens found: revoke them, or,
// where --revoke had crates.io do it, keep them out of the build.
func RevokeAdvice(s Summary) string {
	switch {
	case s.Revoked > 0 && s.Revoked >= s.Tokens:
		return "crates.io revoked each leaked token at cratesguard's request: keep them out of the build (the deployment keeps serving them from caches)."
	case s.Revoked > 0:
		return fmt.Sprintf("Revoke each leaked token not revoked above (%d of %d) at %s, then keep them all out of the build (the deployment keeps serving them from caches).",
			s.Tokens-s.Revoked, s.Tokens, RevokeURL)
	}
	return fmt.Sprintf("Revoke each leaked token at %s (the deployment keeps serving it from caches), then keep it out of the build.", RevokeURL)
}

// RevokeURL is where a crates.io token's owner revokes it.
const RevokeURL = "https://crates.io/settings/tokens"
