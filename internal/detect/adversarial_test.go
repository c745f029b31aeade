package detect_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// adversarial are inputs made of nothing but candidates for the decoder:
// each repeats an encoded "c" (or a plain "cio") to 64 MB, the shapes that
// once took 14-34 s against 0.1 s for plain text.
var adversarial = []struct{ name, unit string }{
	{"percent", "%63"},
	{"unicode-escape", `\u0063`},
	{"hex-escape", `\x63`},
	{"html-decimal", "&#99;"},
	{"html-hex", "&#x63;"},
	{"base64", "Y2l"},
	{"base64-aligned", "Y2lv"},
	{"cio-space", "cio "},
	{"cio-glued", "cio"},
	{"escaped-newline", `\ncio`},
	// Issue 22's escapes: of any letter, with any leading zeros, twice.
	{"double-percent", "%25"},
	{"double-percent-c", "%2563"},
	{"octal", `\143`},
	{"css", `\63 `},
	{"brace-escape", `\u{0063}`},
	{"escaped-i", `c\x69`},
	{"html-padded", "&#0000099;"},
	// hex: "cio" over and over (one word run), and "cio " (a short one
	// at each trigger).
	{"hex", "63696f"},
	{"hex-words", "63696f20"},
	// UTF-16: NULs and "i" (a trigger at every other byte), "cio" over
	// and over (one word run), and "cio " (a short one at each trigger).
	{"utf16-nuls", "\x00i"},
	{"utf16", "c\x00i\x00o\x00"},
	{"utf16-words", "c\x00i\x00o\x00 \x00"},
	// base64 in lines of 16 (the narrowest joined), and a line end
	// between j and aW at every line.
	{"base64-lines", "Y2lvY2lvY2lvY2lv\n"},
	{"base64-cut", "j\naW"},
	// "+" chains: of "cio" (one long run), of "cio" and empty strings
	// (read on past the empties), and arrays of "cio".
	{"concat", `"cio"+`},
	{"concat-empties", `"cio"+""+""+""+""+""+""+`},
	{"concat-array", `"cio",`},
	// gzip in base64: one run of H4sI (a payload read to its limit), and
	// lines each a payload (the first 1024 opened).
	{"gzip", "H4sI"},
	{"gzip-lines", "H4sIAAAAAAAA" + strings.Repeat("A", 64) + "\n"},
}

// plainText is minified-JavaScript-like text without candidates.
func plainText(n int) []byte {
	r := rand.New(rand.NewPCG(7, 8))
	words := []string{"function", "return", "var", "let", "const", "this", "null", "true", "length", "push", "value", "index", "node", "data"}
	var b bytes.Buffer
	for b.Len() < n {
		switch r.IntN(6) {
		case 0:
			b.WriteString(words[r.IntN(len(words))] + "(")
		case 1:
			b.WriteString(")&&")
		case 2:
			b.WriteString(`"` + words[r.IntN(len(words))] + `",`)
		case 3:
			b.WriteString("e.t[" + words[r.IntN(len(words))] + "]=")
		default:
			b.WriteString(words[r.IntN(len(words))] + ";")
		}
	}
	return b.Bytes()[:n]
}

// repeat fills n bytes with unit, then puts tail at the end.
func repeat(unit string, n int, tail string) []byte {
	body := bytes.Repeat([]byte(unit), (n-len(tail))/len(unit))
	return append(body, tail...)
}

// pipeline scans r as the scan stage does: the Scanner reads, the Decoder
// sees every byte through a tee.
func pipeline(r io.Reader) []detect.Match {
	var out []detect.Match
	add := func(m detect.Match) { out = append(out, m) }
	d := detect.NewDecoder(add)
	var sc detect.Scanner
	sc.Scan(io.TeeReader(r, d), add)
	d.Close()
	return out
}

// TestAdversarialInputFindsTheTokenAfterThePadding: whatever precedes it,
// a token at the end of 8 MB of candidates is found.
func TestAdversarialInputFindsTheTokenAfterThePadding(t *testing.T) {
	tok := tokentest.New(60).API()
	for _, a := range adversarial {
		in := repeat(a.unit, 8<<20, " token="+tok+";")
		got := pipeline(bytes.NewReader(in))
		if len(got) != 1 || got[0].Token != tok || got[0].Offset != int64(len(in)-len(tok)-1) {
			t.Errorf("%s: %d matches, want the one token at the end", a.name, len(got))
		}
	}
}

// BenchmarkDecoderAdversarial scans 64 MB of each adversarial shape and of
// plain text through the Scanner and Decoder; bench/decoder.sh prints each
// as a ratio to plain text. Each input is made when its turn comes (all
// at once would be 2 GB).
func BenchmarkDecoderAdversarial(b *testing.B) {
	const n = 64 << 20
	tok := tokentest.New(61).API()
	inputs := map[string]func() []byte{"plain": func() []byte { return plainText(n) }}
	for _, a := range adversarial {
		inputs[a.name] = func() []byte { return repeat(a.unit, n, " "+tok) }
	}
	for _, name := range append([]string{"plain"}, names()...) {
		in := inputs[name]()
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				pipeline(bytes.NewReader(in))
			}
		})
	}
}

func names() []string {
	var out []string
	for _, a := range adversarial {
		out = append(out, a.name)
	}
	return out
}
