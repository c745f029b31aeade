package target

import (
	"strings"
	"testing"
)

// TestCredentialsAreShownAsAnEllipsis: a URL with credentials is refused,
// and the error shows it with "…@" where they were, not %E2%80%A6.
func TestCredentialsAreShownAsAnEllipsis(t *testing.T) {
	_, err := Parse("https://user:hunter2@example.com/x")
	if err == nil || !strings.Contains(err.Error(), "https://…@example.com/x") || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "%E2") {
		t.Errorf("%v", err)
	}
}
