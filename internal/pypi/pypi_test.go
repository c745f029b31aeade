package pypi

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	var urls []string
	for i := range 5 {
		urls = append(urls, fmt.Sprintf(`{"filename":"p-1.0-%d.whl","url":"https://files.example/p-%d.whl","packagetype":"bdist_wheel","digests":{"sha256":"%s"}}`, i, i, strings.Repeat("0f", 32)))
	}
	body := `{"info":{"version":"1.0","description":"readme"},"urls":[` + strings.Join(urls, ",") + `]}`
	r, err := Parse([]byte(body), 3)
	if err != nil || r.Version != "1.0" || len(r.Files) != 3 || r.More != 2 || len(r.Files[0].SHA256) != 32 || !strings.Contains(string(r.Metadata), "readme") {
		t.Fatalf("%+v, %v", r, err)
	}
	for _, bad := range []string{`{"info":{"version":"1"},"urls":[]}`, `{"urls":[{"filename":"a"}]}`,
		`{"urls":[{"filename":"a","url":"u","digests":{"sha256":"zz"}}]}`, `nope`} {
		if _, err := Parse([]byte(bad), 10); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestReleaseURL(t *testing.T) {
	if got := ReleaseURL("https://pypi.org/", "demo", "1.0"); got != "https://pypi.org/pypi/demo/1.0/json" {
		t.Error(got)
	}
	if got := ReleaseURL("https://pypi.org", "demo", ""); got != "https://pypi.org/pypi/demo/json" {
		t.Error(got)
	}
}
