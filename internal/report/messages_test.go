package report

import (
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/findings"
)

// TestMessagesSayWhatHappened: after --revoke revoked every token, the
// footer does not tell the user to revoke them; a warning about the run
// (an expired ignore entry) is no target's and is not listed under
// "Targets not fully scanned".
func TestMessagesSayWhatHappened(t *testing.T) {
	if a := RevokeAdvice(Summary{Tokens: 2, Revoked: 2}); strings.Contains(a, "Revoke each") || !strings.Contains(a, "crates.io revoked each leaked token") {
		t.Errorf("all revoked: %q", a)
	}
	if a := RevokeAdvice(Summary{Tokens: 3, Revoked: 1}); !strings.Contains(a, "not revoked above (2 of 3)") {
		t.Errorf("some revoked: %q", a)
	}
	if a := RevokeAdvice(Summary{Tokens: 1}); !strings.HasPrefix(a, "Revoke each leaked token at "+RevokeURL) {
		t.Errorf("none revoked: %q", a)
	}
	var b strings.Builder
	rep := &findings.Report{Warnings: []string{".cratesguard-ignore:3: the ignore entry for 0123… expired on 2026-01-01: the token is reported again"}}
	Text(&b, rep, findings.FailOnAny, "")
	if strings.Contains(b.String(), "Targets not fully scanned") || !strings.Contains(b.String(), "\nWarnings:\n  warning  .cratesguard-ignore:3:") {
		t.Errorf("a run's warning is listed as a target's:\n%s", b.String())
	}
}
