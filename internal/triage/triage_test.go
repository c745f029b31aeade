package triage

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestParse(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	in := "# header\n\n" + sha + " expires=2026-12-31 revoked; CDN still caches it\n" + strings.ToUpper(sha[:2]) + sha[2:] + " test fixture\n"
	es, err := Parse(strings.NewReader(in), "f")
	if err != nil || len(es) != 2 {
		t.Fatalf("%v %d", err, len(es))
	}
	if es[0].Line != 3 || es[0].Reason != "revoked; CDN still caches it" || es[0].Expires.Format("2006-01-02") != "2026-12-31" {
		t.Errorf("entry 0: %+v", es[0])
	}
	if es[1].SHA256 != sha || !es[1].Expires.IsZero() {
		t.Errorf("entry 1 (upper-case hex is folded): %+v", es[1])
	}
	tok := tokentest.New(1).API()
	for _, bad := range []string{sha, sha + " expires=31/12/2026 x", "abc reason", tok + " oops", "CARGO_REGISTRY_TOKEN=" + tok, strings.Repeat("f", 11) + " short"} {
		_, err := Parse(strings.NewReader("# x\n"+bad+"\n"), "f")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 {
			t.Errorf("%q: %v, want an error naming line 2", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), tok) {
			t.Errorf("the error repeats a token")
		}
	}
	if es, err := Parse(strings.NewReader(sha[:12]+" prefix from the table\n"), "f"); err != nil || len(es) != 1 {
		t.Errorf("a 12-digit prefix: %v", err)
	}
}

func TestActive(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	es := []Entry{{SHA256: "aaaa", Expires: day("2026-11-26")}, {SHA256: "b", Expires: day("2026-11-25")}, {SHA256: "c"}}
	active, expired := Active(es, day("2026-11-26").Add(23*time.Hour))
	if _, ok := Match(active, "aaaa1234"); !ok || len(expired) != 1 || expired[0].SHA256 != "b" || len(active) != 2 {
		t.Errorf("active %v expired %v: an entry holds through its expiry day, and matches as a prefix", active, expired)
	}
	if _, ok := Match(active, "abab"); ok {
		t.Errorf("a prefix matched a SHA-256 it is not a prefix of")
	}
}

func TestAppend(t *testing.T) {
	p := filepath.Join(t.TempDir(), DefaultFile)
	sha := strings.Repeat("0f", 32)
	if err := Append(p, Entry{SHA256: sha, Reason: "  spaced   reason "}); err != nil {
		t.Fatal(err)
	}
	es, err := Load(p, true, "")
	if err != nil || len(es) != 1 || es[0].Reason != "spaced reason" {
		t.Fatalf("%v %+v", err, es)
	}
	if err := Append(p, Entry{SHA256: sha, Reason: "again"}); err == nil {
		t.Error("a second entry for the same token was accepted")
	}
	if es, err := Load(filepath.Join(t.TempDir(), "none"), false, ""); err != nil || es != nil {
		t.Errorf("a missing default file: %v %v", es, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none"), true, ""); err == nil {
		t.Error("a missing named file is no error")
	}
}
