package safe

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// tokenShape is what must never be printed: the raw shape, any case.
var tokenShape = regexp.MustCompile(`(?i)cio(_tp_)?[a-z0-9]{32}`)

func TestRedactTokensAnywhere(t *testing.T) {
	src := tokentest.New(1)
	api, tp := src.API(), src.TP()
	pct := ""
	for _, c := range []byte(api) {
		pct += "%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15]))
	}
	cases := []struct{ in, want string }{
		{"t=" + api, "t=" + api[:7] + "…"},
		{"x" + api + "yz", "x" + api[:7] + "…yz"}, // inside a longer word
		{strings.ToUpper(api[:3]) + api[3:], strings.ToUpper(api[:3]) + api[3:7] + "…"},
		{tp, tp[:11] + "…"},
		{"/a?t=" + pct + "&b", "/a?t=" + api[:7] + "…&b"},
		{"%63io" + api[3:], api[:7] + "…"},
		{"cio" + strings.Repeat("a", 31), "cio" + strings.Repeat("a", 31)}, // too short
		{"plain text", "plain text"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSecretsAreHidden(t *testing.T) {
	AddSecret("Bearer staging-secret-42")
	AddSecret("ab") // too short to be a secret
	for _, in := range []string{
		"https://x/?h=Bearer+staging-secret-42",
		"https://x/Bearer%20staging-secret-42/",
		"echo: staging-secret-42",
	} {
		if got := Terminal(in); strings.Contains(got, "staging-secret-42") || !strings.Contains(got, Hidden) {
			t.Errorf("Terminal(%q) = %q", in, got)
		}
	}
	if got := Terminal("tab"); got != "tab" {
		t.Errorf("a two-letter value hides text: %q", got)
	}
}

func TestTerminalEscapes(t *testing.T) {
	cases := map[string]string{
		"a\x1b]0;title\x07b":           `a\x1b]0;title\x07b`,
		"line\n::error title=X::pwned": `line\x0a::error title=X::pwned`,
		"::warning::forged":            `\x3a:warning::forged`,
		"  ::x":                        `  \x3a:x`,
		"bad\xffutf8":                  `bad\xffutf8`,
		"c1\u009bx":                    `c1\u{9b}x`,
		"rtl\u202eevil":                `rtl\u{202e}evil`,
		"zero\u200bwidth\ufeffbom":     `zero\u{200b}width\u{feff}bom`,
		"tag\U000e0041s":               `tag\u{e0041}s`,
		"private\ue000use":             `private\u{e000}use`,
		"unassigned\U0003ffff":         `unassigned\u{3ffff}`,
		"nbsp\u00a0and\u3000ideo":      `nbsp\u{a0}and\u{3000}ideo`,
		"kept: é, 日本, emoji 🦀, ̀mark":  "kept: é, 日本, emoji 🦀, ̀mark",
		"ok: fine, done":               "ok: fine, done",
	}
	for in, want := range cases {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
	// An escape must not glue a token together: \x0c followed by "io…".
	body := tokentest.New(2).API()[3:]
	if got := Terminal("\x0cio" + body); tokenShape.MatchString(got) {
		t.Errorf("escaping made a token shape: %q", got)
	}
	long := strings.Repeat("é", MaxField)
	if got := Terminal(long); len(got) > MaxField+40 || !utf8.ValidString(got) {
		t.Errorf("a long field is %d bytes or invalid UTF-8", len(got))
	}
}

func TestPrintfSanitizesOutsideText(t *testing.T) {
	tok := tokentest.New(3).API()
	got := Sprintf("%s: %v (%d)", "file\nname", errString("err "+tok), 7)
	if got != `file\x0aname: err `+tok[:7]+"… (7)" {
		t.Errorf("Sprintf = %q", got)
	}
	if got := Sprintf("%s", Trusted("a\tb")); got != "a\tb" {
		t.Errorf("Trusted was escaped: %q", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestCommand(t *testing.T) {
	got := Command("error", []string{"file", "my file:1,2.js", "title", "a\nb"}, "%s 100%%", "x\r\n::y")
	want := `::error file=my file%3A1%2C2.js,title=a\x0ab::x\x0d\x0a::y 100%25`
	if got != want {
		t.Errorf("Command = %q\nwant      %q", got, want)
	}
}

func TestCell(t *testing.T) {
	cases := map[string]string{
		"plain":                   "`plain`",
		"a|b":                     "`a\\|b`",
		"x`y":                     "``x`y``",
		"`edge":                   "`` `edge ``",
		"[click](https://evil/)":  "`[click](https://evil/)`",
		"row\r| --- |\n# heading": "`row\\x0d\\| --- \\|\\x0a# heading`",
	}
	for in, want := range cases {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Markdownf("| %s | %s |", "a|b", Trusted("**bold**")); got != "| `a\\|b` | **bold** |" {
		t.Errorf("Markdownf = %q", got)
	}
}

func TestJSON(t *testing.T) {
	tok := tokentest.New(4).API()
	AddSecret("json-secret-value")
	in, _ := json.Marshal(map[string]any{"a": "x " + tok, "b": []string{"q\"json-secret-value"}, "c": 3, "d": "plain"})
	out := JSON(in)
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("JSON broke the document: %v\n%s", err, out)
	}
	if strings.Contains(string(out), tok) || strings.Contains(string(out), "json-secret-value") || v["d"] != "plain" || v["c"] != 3.0 {
		t.Errorf("JSON = %s", out)
	}
}

func TestOutGuardsLines(t *testing.T) {
	tok := tokentest.New(5).API()
	var b strings.Builder
	o := NewOut(&b)
	o.Write([]byte("ok line\n::error::forged\n  ::warning::also\rprogress " + tok[:10]))
	o.Write([]byte(tok[10:] + "\n"))
	o.Command(Command("notice", nil, "%s", "hi"))
	o.Mask(tok)
	o.Write([]byte("tail"))
	o.Flush()
	want := "ok line\n\\x3a:error::forged\n  \\x3a:warning::also\rprogress " + tok[:7] + "…\n::notice::hi\n::add-mask::" + tok + "\ntail"
	if b.String() != want {
		t.Errorf("Out wrote\n%q\nwant\n%q", b.String(), want)
	}
}
