package detect_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// escaper writes one character as an escape of some scheme, with the
// text the token stands between in that scheme's world.
type escaper struct {
	name, enc    string
	format       string // fmt verb for the character's value
	before, past string
}

var escapers = []escaper{
	{`JS \xNN`, detect.EncEscapes, `\x%02x`, `s="`, `";`},
	{`JS \uNNNN`, detect.EncEscapes, `\u%04X`, `s='`, `';`},
	{`JS \u{N}`, detect.EncEscapes, `\u{%x}`, "s=`", "`;"},
	{`JS \u{N} zero-padded`, detect.EncEscapes, `\u{%08x}`, "s=`", "`;"},
	{`JS octal`, detect.EncEscapes, `\%03o`, `s="`, `";`},
	{`CSS \N and a space`, detect.EncCSS, `\%x `, `a::after{content:"`, `"}`},
	{`CSS six digits`, detect.EncCSS, `\%06x`, `a::after{content:'`, `'}`},
	{`HTML decimal`, detect.EncHTML, `&#%d;`, `<p>`, `</p>`},
	{`HTML decimal zero-padded`, detect.EncHTML, `&#%07d;`, `<p>`, `</p>`},
	{`HTML hex`, detect.EncHTML, `&#x%x;`, `<p title="`, `">`},
	{`HTML hex zero-padded`, detect.EncHTML, `&#X%04X;`, `<p title="`, `">`},
	{`percent`, detect.EncPercent, `%%%02X`, `/cb?token=`, `&x=1`},
	{`double percent`, detect.EncPercent2, `%%25%02X`, `/r?u=%2Fcb%3Ftoken%3D`, `%26x%3D1`},
}

// escapeAt writes tok with the characters whose index esc says escaped.
func (e escaper) escapeAt(tok string, esc func(i int) bool) (string, int) {
	var b strings.Builder
	for i := range len(tok) {
		if esc(i) {
			fmt.Fprintf(&b, e.format, tok[i])
		} else {
			b.WriteByte(tok[i])
		}
	}
	return e.before + b.String() + e.past, len(e.before)
}

// TestEscapesOnAnyCharacter escapes each character of a token alone, in
// each scheme's way, then all of them, then every other one: each is
// found once, under its scheme, at the first byte of the encoded token.
func TestEscapesOnAnyCharacter(t *testing.T) {
	src := tokentest.New(2201)
	for _, e := range escapers {
		for _, tok := range []string{src.API(), src.TP()} {
			ways := map[string]func(int) bool{
				"all":         func(int) bool { return true },
				"every other": func(i int) bool { return i%2 == 1 },
			}
			for i := range len(tok) {
				ways[fmt.Sprintf("character %02d", i)] = func(j int) bool { return j == i }
			}
			for way, esc := range ways {
				in, at := e.escapeAt(tok, esc)
				for _, piece := range []int{0, 5} {
					got := decodeAll([]byte(in), piece)
					if len(got) != 1 || got[0].Token != tok || got[0].Encoding != e.enc || got[0].Offset != int64(at) {
						t.Errorf("%s, %s of a %d-character token, pieces of %d: %s", e.name, way, len(tok), piece, found(got, tok))
						break
					}
					if m := got[0]; m.Offset+int64(m.Length) != int64(len(in)-len(e.past)) {
						t.Errorf("%s, %s: length %d, want %d", e.name, way, m.Length, len(in)-len(e.past)-at)
					}
				}
			}
		}
	}
}

// found says what a decoding found, never the token itself.
func found(got []detect.Match, tok string) string {
	var s []string
	for _, m := range got {
		s = append(s, fmt.Sprintf("{%q at %d, token right %v}", m.Encoding, m.Offset, m.Token == tok))
	}
	return fmt.Sprintf("%d findings %v", len(got), s)
}

// TestEscapedNearMissesAreQuiet: a word one character short of a token
// or one too long (cio and 31 or 33 characters), or a token with a
// character that is no letter or digit, escaped in every way, whole or
// on one character, is no finding.
func TestEscapedNearMissesAreQuiet(t *testing.T) {
	src := tokentest.New(2202)
	tok := src.API()
	tp := src.TP()
	misses := []string{tok[:34], tok + src.Alnum(1), tok[:20] + "-" + tok[21:], tp[:38], src.TPBadChecksum()}
	for _, e := range escapers {
		for _, miss := range misses {
			for _, esc := range []func(int) bool{
				func(int) bool { return true },
				func(i int) bool { return i == 1 },
				func(i int) bool { return i == 20 },
			} {
				in, _ := e.escapeAt(miss, esc)
				if got := decodeAll([]byte(in), 0); len(got) != 0 {
					t.Errorf("%s: a near miss of %d characters: %s", e.name, len(miss), found(got, ""))
				}
			}
		}
	}
}

// TestEscapesInRandomTextAreQuiet: 1 MB of random word characters with
// one in four escaped, in each scheme's way, between random separators,
// holds no finding.
func TestEscapesInRandomTextAreQuiet(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 2))
	const chars = "cioCIO_abcdefghijklmnopqrstuvwxyz0123456789"
	for _, e := range escapers {
		var b strings.Builder
		for b.Len() < 1<<20 {
			c := chars[r.IntN(len(chars))]
			switch {
			case r.IntN(40) == 0:
				b.WriteString(`" `)
			case r.IntN(4) == 0:
				fmt.Fprintf(&b, e.format, c)
			default:
				b.WriteByte(c)
			}
		}
		if got := decodeAll([]byte(b.String()), 4096); len(got) != 0 {
			t.Errorf("%s: %d findings in random text", e.name, len(got))
		}
	}
}

// TestJSONSlashBeforeAnEscapedToken: JSON's \/ is a unit of its own (a
// slash), not a backslash before a word.
func TestJSONSlashBeforeAnEscapedToken(t *testing.T) {
	tok := tokentest.New(2203).API()
	in := `{"url":"https:\/\/x.test\/` + strings.ReplaceAll(tok[:1], "c", `\u0063`) + tok[1:] + `"}`
	got := decodeAll([]byte(in), 0)
	if len(got) != 1 || got[0].Token != tok || got[0].Offset != int64(strings.Index(in, `\u0063`)) {
		t.Errorf("%s", found(got, tok))
	}
}
