package safe

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// checkTerminalSafe fails when s holds a raw control byte, starts a line
// with "::", or shows a token shape.
func checkTerminalSafe(t *testing.T, what, s string, multiline bool) {
	t.Helper()
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if (r < 0x20 && !(multiline && (r == '\n' || r == '\r'))) || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError && w == 1 {
			t.Fatalf("%s holds raw control %U at %d: %q", what, r, i, s)
		}
		i += w
	}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "::") {
			t.Fatalf("%s starts a line with '::': %q", what, line)
		}
	}
	if tokenShape.MatchString(s) {
		t.Fatalf("%s shows a token shape: %q", what, s)
	}
}

func seeds(f *testing.F) {
	src := tokentest.New(7)
	for _, s := range []string{"", "plain", "\x1b[31mred", "a\n::error::x", "::x", "%63io" + src.API()[3:],
		src.API(), "x" + src.TP() + "y", "\x0cio" + src.API()[3:], "`|[a](b)![c](d)#", "\xff\xfe\u202e",
		// Found by the fuzzers: a hex digit or an escape spelling the prefix.
		"%6C" + "io" + strings.Repeat("0", 32), "," + "io" + strings.Repeat("0", 32)} {
		f.Add(s)
	}
}

func FuzzTerminal(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkTerminalSafe(t, "Terminal", Terminal(s), false)
		checkTerminalSafe(t, "SARIFText", SARIFText(s), false)
		checkTerminalSafe(t, "Sprintf", Sprintf("%s|%v", s, errString(s)), false)
		c := Command("error", []string{"file", s}, "%s", s)
		if strings.ContainsAny(c, "\r\n") || tokenShape.MatchString(c) || strings.Count(c, "::") < 2 {
			t.Fatalf("Command = %q", c)
		}
	})
}

func FuzzCell(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		c := Cell(s)
		checkTerminalSafe(t, "Cell", c, false)
		if c == "" {
			return
		}
		// A code span: the same fence opens and closes it, and no longer
		// run of backticks sits inside to close it early.
		n := len(c) - len(strings.TrimLeft(c, "`"))
		fence := strings.Repeat("`", n)
		inner := c[n : len(c)-n]
		if !strings.HasSuffix(c, fence) || strings.Contains(inner, fence) {
			t.Fatalf("Cell(%q) = %q is not one code span", s, c)
		}
		for i := 0; i < len(inner); i++ {
			if inner[i] == '|' && (i == 0 || inner[i-1] != '\\') {
				t.Fatalf("Cell(%q) = %q has an unescaped |", s, c)
			}
		}
	})
}

func FuzzOut(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		o := NewOut(&b)
		// In two pieces, split anywhere, as writes arrive.
		k := len(s) / 3
		o.Write([]byte(s[:k]))
		o.Write([]byte(s[k:]))
		o.Flush()
		for _, line := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), "::") {
				t.Fatalf("Out let a line start with '::': %q", line)
			}
		}
		if tokenShape.MatchString(b.String()) {
			t.Fatalf("Out let a token shape through: %q", b.String())
		}
	})
}

func FuzzJSON(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		doc := quote(s)
		out := JSON(append(append([]byte(`{"k":`), doc...), '}'))
		if tokenShape.Match(out) {
			t.Fatalf("JSON let a token shape through: %s", out)
		}
	})
}
