package detect_test

import (
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestConcatenation finds a token split across the string literals of
// one JavaScript expression, at its "c", with the length up to its last
// character: every quote, template literals, minified or spread over
// lines, in two pieces cut at every place after "cio" or in three, with
// +, .concat() and [].join("").
func TestConcatenation(t *testing.T) {
	src := tokentest.New(2240)
	for _, tok := range []string{src.API(), src.TP()} {
		type form struct {
			name string
			make func(a, b string) string // a is the token's first piece, b the rest
		}
		forms := []form{
			{"+, minified", func(a, b string) string { return `t="` + a + `"+"` + b + `";` }},
			{"+, quotes of each kind", func(a, b string) string { return "t = '" + a + "' + `" + b + "`\n" }},
			{"+, over lines", func(a, b string) string { return "const t =\n  \"" + a + "\" +\n  \"" + b + "\";\n" }},
			{"+, after text", func(a, b string) string { return `h="Bearer ` + a + `"+"` + b + `"` }},
			{"+, three pieces", func(a, b string) string {
				return `t="` + a + `"+"` + b[:len(b)/2] + `"+"` + b[len(b)/2:] + `"+"/path"`
			}},
			{"join", func(a, b string) string { return `t=["` + a + `","` + b + `"].join("")` }},
			{"join, spaced", func(a, b string) string { return "t = [\n  '" + a + "',\n  '" + b + "'\n].join('');" }},
			{"join, more elements", func(a, b string) string { return `[ "` + a + `", "` + b + `", "-x", "y" ].join("")` }},
			{"concat", func(a, b string) string { return `t="` + a + `".concat("` + b + `")` }},
			{"concat, two arguments", func(a, b string) string { return `t='` + a + `'.concat('` + b[:5] + `', '` + b[5:] + `');` }},
		}
		for _, f := range forms {
			for cut := 3; cut < len(tok); cut++ {
				if f.name == "concat, two arguments" && len(tok)-cut < 6 || f.name == "+, three pieces" && len(tok)-cut < 2 {
					continue
				}
				in := f.make(tok[:cut], tok[cut:])
				at := strings.Index(in, tok[:cut])
				for _, piece := range []int{0, 3} {
					got := decodeAll([]byte(in), piece)
					if len(got) != 1 || got[0].Token != tok || got[0].Encoding != detect.EncConcat || got[0].Offset != int64(at) {
						t.Errorf("%s, cut at %d, pieces of %d: %s", f.name, cut, piece, found(got, tok))
						continue
					}
					if end := got[0].Offset + int64(got[0].Length); in[end-1] != tok[len(tok)-1] || in[end] < '!' || strings.ContainsRune(in[at:end], '\n') && !strings.Contains(f.name, "lines") && !strings.Contains(f.name, "spaced") {
						t.Errorf("%s, cut at %d: length %d does not end at the token's last character", f.name, cut, got[0].Length)
					}
				}
			}
		}
	}
}

// TestConcatenationNearMissesAreQuiet: a word one short of a token or one
// too long, a piece glued to a word before it, an array not joined or
// joined with a separator, a function's arguments, an object's values,
// a variable in between, are no findings.
func TestConcatenationNearMissesAreQuiet(t *testing.T) {
	src := tokentest.New(2241)
	tok := src.API()
	a, b := tok[:12], tok[12:]
	for name, in := range map[string]string{
		"31 characters":       `t="` + a + `"+"` + b[:len(b)-1] + `";`,
		"33 characters":       `t="` + a + `"+"` + b + `x";`,
		"glued after +":       `t="ab"+"` + a + `"+"` + b + `";`,
		"glued in an array":   `t=["ab","` + a + `","` + b + `"].join("")`,
		"glued before concat": `t="ab".concat("` + a + `","` + b + `")`,
		"not joined":          `t=["` + a + `","` + b + `"]`,
		"joined with a comma": `t=["` + a + `","` + b + `"].join(",")`,
		"arguments":           `f("` + a + `","` + b + `")`,
		"object values":       `{a:"` + a + `",b:"` + b + `"}`,
		"a variable between":  `t="` + a + `"+x+"` + b + `"`,
		"a variable after":    `t="` + a + `"+"` + b[:10] + `"+x`,
		"an escape inside":    `t="` + a + `"+"` + b[:5] + `\n` + b[5:] + `"`,
		"a template's ${}":    "t=`" + a + "`+`" + b[:5] + "${x}" + b[5:] + "`",
		"tp, bad checksum":    `t="` + src.TPBadChecksum()[:12] + `"+"` + src.TPBadChecksum()[12:] + `"`,
	} {
		if got := decodeAll([]byte(in), 0); len(got) != 0 {
			t.Errorf("%s: %s", name, found(got, ""))
		}
	}
}
