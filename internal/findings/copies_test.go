package findings

import (
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestCaseCopies: a token's lowercased (or uppercased) copy, as a search
// index writes it, is a place of that token, whichever is found first,
// named so; the finding keeps the real token's SHA-256. A lowercase token
// with no other found stays a token of its own.
func TestCaseCopies(t *testing.T) {
	src := tokentest.New(23)
	tok, alone := src.API(), strings.ToLower(src.API())
	lower, upper := strings.ToLower(tok), strings.ToUpper(tok)
	match := func(s string, line int) detect.Match {
		return detect.Match{Rule: detect.RuleAPIToken, Token: s, Line: line, Column: 1}
	}
	for _, order := range [][]string{{tok, lower, upper}, {lower, upper, tok}, {lower, tok, upper}} {
		c := NewCollector()
		for i, s := range order {
			c.Add(match(s, i+1), Location{Target: "https://example.com/" + map[string]string{tok: "page", lower: "index.js", upper: "env.txt"}[s], IsURL: true})
			c.Add(match(s, i+1), Location{Target: "https://example.com/again.js", IsURL: true, Line: 9}) // each twice
		}
		c.Add(match(alone, 1), Location{Target: "https://example.com/other.js", IsURL: true})
		if n := c.Tokens(); n != 2 {
			t.Errorf("%d tokens counted, want 2", n)
		}
		rep := c.Report()
		if len(rep.Findings) != 2 {
			t.Fatalf("%d findings, want 2 (the token, and the lowercase token found alone)", len(rep.Findings))
		}
		var f *Finding
		for _, g := range rep.Findings {
			if g.Token.Reveal() == tok {
				f = g
			}
		}
		if f == nil || f.SHA256 != Secret(tok).SHA256() {
			t.Fatalf("the token's finding is missing or has another SHA-256")
		}
		encodings := map[string]string{}
		for _, l := range f.Locations {
			encodings[l.Target] = l.Encoding
		}
		if encodings["https://example.com/page"] != "" || encodings["https://example.com/index.js"] != "lowercased copy" ||
			encodings["https://example.com/env.txt"] != "uppercased copy" {
			t.Errorf("order %d: places %v", len(order), encodings)
		}
		if f.Occurrences != 6 || len(f.Locations) != 6 {
			t.Errorf("%d occurrences, %d places; want 6 and 6", f.Occurrences, len(f.Locations))
		}
	}
}
