package detect_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// decodeAll feeds input to a Decoder in pieces of the given size (0: whole).
func decodeAll(input []byte, piece int) []detect.Match {
	var got []detect.Match
	d := detect.NewDecoder(func(m detect.Match) { got = append(got, m) })
	if piece <= 0 {
		piece = len(input) + 1
	}
	for len(input) > 0 {
		n := min(piece, len(input))
		d.Write(input[:n])
		input = input[n:]
	}
	d.Close()
	return got
}

func hexEscape(s, format string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, format, c)
	}
	return b.String()
}

func TestDecoderFindsEncodedTokens(t *testing.T) {
	src := tokentest.New(30)
	tok := src.API()
	tp := src.TP()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, input, enc string
		at               int // byte offset of the encoded token's first byte
		token            string
	}{
		{"unicode escape of the first letter", `t="\u0063` + tok[1:] + `"`, detect.EncEscapes, 3, tok},
		{"hex escape of the first letter", `t='\x63` + tok[1:] + `'`, detect.EncEscapes, 3, tok},
		{"every character escaped", `"` + hexEscape(tok, `\u%04x`) + `"`, detect.EncEscapes, 1, tok},
		{"newline escape glued before", `{"sourcesContent":["a\n` + tok + `\n"]}`, detect.EncEscapes, 23, tok},
		{"tab escape glued before", `x\t` + tp, detect.EncEscapes, 3, tp},
		{"percent-encoded equals sign", `/cb?token%3D` + tok + `&x=1`, detect.EncPercent, 12, tok},
		{"percent-encoded throughout", `q=` + hexEscape(tok, "%%%02X"), detect.EncPercent, 2, tok},
		{"HTML decimal reference", `<p>&#99;` + tok[1:] + `</p>`, detect.EncHTML, 3, tok},
		{"HTML hex reference", `<p>&#x63;` + tok[1:] + `</p>`, detect.EncHTML, 3, tok},
		{"base64 JSON in atob", `atob("` + b64(`{"registry":{"token":"`+tok+`"},"name":"acme"}`) + `")`, detect.EncBase64, 6, tok},
		{"base64url", `?state=` + base64.RawURLEncoding.EncodeToString([]byte(`{"t":"`+tok+`","n":"x"}`)), detect.EncBase64, 7, tok},
		{"inline source map", "//# sourceMappingURL=data:application/json;base64," + b64(`{"version":3,"sourcesContent":["const t = '`+tp+`';"]}`), detect.EncBase64, 50, tp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if raw := detect.Find([]byte(c.input)); len(raw) != 0 {
				t.Fatalf("the plain matcher already finds this: the case tests nothing")
			}
			for _, piece := range []int{0, 1, 7, 64} {
				got := decodeAll([]byte(c.input), piece)
				if len(got) != 1 {
					t.Fatalf("pieces of %d: %d matches, want 1", piece, len(got))
				}
				m := got[0]
				if m.Token != c.token || m.Encoding != c.enc || m.Line != 1 {
					t.Errorf("pieces of %d: encoding %q line %d, token right %v", piece, m.Encoding, m.Line, m.Token == c.token)
				}
				if c.enc != detect.EncBase64 && m.Offset != int64(c.at) {
					t.Errorf("pieces of %d: offset %d, want %d", piece, m.Offset, c.at)
				}
				if c.enc == detect.EncBase64 && (m.Offset < int64(c.at) || m.Offset >= int64(len(c.input))) {
					t.Errorf("pieces of %d: base64 offset %d outside the run at %d", piece, m.Offset, c.at)
				}
			}
		})
	}
}

func TestDecoderReportsNothingThePlainMatcherSees(t *testing.T) {
	src := tokentest.New(31)
	tok := src.API()
	inputs := []string{
		`a\n"` + tok + `"\n`,        // plain, with escapes nearby
		`"\u0041` + "+" + tok + `"`, // plain after a non-word byte
		"x=%20" + tok + "%20",       // plain between percent escapes: %20 ends in a word byte, yet the token is bounded by them
		"data:font/woff2;base64,d09GMgABAAAAAAZQAA0AAAAADBAAAAXwAAEAAAAAAAAAP0ZGVE0cGh4GYACCSBEICoE+" + tok + "/ZIGCwgAATYCJAMIBCAFhGQHLxsdCVGUTa==", // decoy
	}
	for _, in := range inputs {
		for _, m := range decodeAll([]byte(in), 5) {
			raw := detect.Find([]byte(in))
			if len(raw) == 1 && raw[0].Token == m.Token {
				t.Errorf("%q: reported under %s what the plain matcher reports", in, m.Encoding)
			} else if strings.Contains(in, "base64,") {
				t.Errorf("the base64 decoy produced a finding under %s", m.Encoding)
			}
		}
	}
}

func TestDecoderIgnoresRandomBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	blob := make([]byte, 3<<20)
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		in := []byte("url(data:font/woff2;base64," + enc.EncodeToString(blob) + ")")
		if got := decodeAll(in, 10000); len(got) != 0 {
			t.Errorf("%d findings in random base64", len(got))
		}
	}
}

func TestDecoderLongBase64RunIsCutSafely(t *testing.T) {
	src := tokentest.New(32)
	// A JSON blob of ~1 MiB, base64-encoded (longer than one decoded piece),
	// with tokens at the start, the middle and the end.
	toks := []string{src.API(), src.API(), src.API()}
	filler := strings.Repeat(`"abcdefghij",`, 30000)
	js := `["` + toks[0] + `",` + filler + `"` + toks[1] + `",` + filler + `"` + toks[2] + `"]`
	in := []byte("var blob=atob('" + base64.StdEncoding.EncodeToString([]byte(js)) + "');\n")
	for _, piece := range []int{0, 4096, 65537} {
		got := map[string]bool{}
		for _, m := range decodeAll(in, piece) {
			got[m.Token] = true
		}
		for i, tok := range toks {
			if !got[tok] {
				t.Errorf("pieces of %d: token %d not found", piece, i)
			}
		}
	}
}

func TestDecoderLineNumbers(t *testing.T) {
	tok := tokentest.New(33).API()
	in := "line one\nline two\r\n" + strings.Repeat("x", 70000) + "\n  t='\\x63" + tok[1:] + "'"
	for _, piece := range []int{0, 3, 1000} {
		got := decodeAll([]byte(in), piece)
		if len(got) != 1 || got[0].Line != 4 || got[0].Column != 6 || got[0].Offset != int64(bytes.LastIndex([]byte(in), []byte(`\x63`))) {
			t.Fatalf("pieces of %d: %+v", piece, got)
		}
	}
}

// TestDecoderFindsBase64TokensInEveryAlignment puts a token at each of the
// three byte alignments of base64 (its "c" encoded as Y2l, Npb or jaW),
// under both alphabets, alone in its run or inside 64 KB of random base64
// on either side, and at a run's start and end: each is found once, at
// its place. The candidates of the random base64 around it are ruled out
// without decoding their span; the token's own may not be.
func TestDecoderFindsBase64TokensInEveryAlignment(t *testing.T) {
	src := tokentest.New(34)
	r := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for _, tok := range []string{src.API(), src.TP()} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			for lead := range 3 {
				for _, around := range []int{0, 64 << 10} {
					// The token between non-word bytes, lead bytes after a
					// group boundary; alone, two spaces after it (a run of
					// 48 characters, the shortest decoded).
					var plain []byte
					if around > 0 {
						plain = append(random(around-around%3+lead), '"')
						plain = append(append(plain, tok...), '"')
						plain = append(plain, random(around)...)
					} else {
						plain = append(append(bytes.Repeat([]byte{' '}, lead), tok...), "  "...)
					}
					in := []byte("x=" + enc.EncodeToString(plain) + ";")
					name := fmt.Sprintf("%s/lead %d/around %d", enc.EncodeToString([]byte{0xfb, 0xff})[:2], lead, around)
					for _, piece := range []int{0, 4096} {
						got := decodeAll(in, piece)
						if len(got) != 1 || got[0].Token != tok || got[0].Encoding != detect.EncBase64 {
							t.Errorf("%s, pieces of %d: %d findings, want the token once", name, piece, len(got))
							continue
						}
						// The finding starts at the group that holds the token's "c".
						if want := 2 + (bytes.Index(plain, []byte(tok)))/3*4; got[0].Offset != int64(want) {
							t.Errorf("%s, pieces of %d: offset %d, want %d", name, piece, got[0].Offset, want)
						}
					}
				}
			}
		}
	}
}

// TestDecoderNearMissesInBase64 are base64 runs whose decoding starts like
// a token and stops short of one (a word byte too few, a non-word byte
// inside, the run's end): none is reported.
func TestDecoderNearMissesInBase64(t *testing.T) {
	tok := tokentest.New(35).API()
	for _, plain := range []string{
		`"` + tok[:34] + `"`,
		`"` + tok[:20] + `!` + tok[21:] + `"`,
		`"` + tok[:12],
		`"cio_tp_` + tok[3:] + `"`,
	} {
		for lead := range 3 {
			in := "x=" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", lead)+plain+strings.Repeat("=", 40))) + ";"
			if got := decodeAll([]byte(in), 0); len(got) != 0 {
				t.Errorf("%q at lead %d: %d findings", plain, lead, len(got))
			}
		}
	}
}
