package detect_test

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// wrap cuts s into lines of n characters, each ended by sep.
func wrap(s string, n int, sep string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + sep)
		s = s[n:]
	}
	return b.String() + s + sep
}

// TestBase64OfTheBareToken finds a token that is the whole of its base64
// (a Kubernetes Secret's data:, a header): either alphabet, with its
// padding or without, at the first character.
func TestBase64OfTheBareToken(t *testing.T) {
	src := tokentest.New(2230)
	for _, tok := range []string{src.API(), src.TP()} {
		for name, enc := range map[string]*base64.Encoding{
			"standard": base64.StdEncoding, "standard, unpadded": base64.RawStdEncoding,
			"URL-safe": base64.URLEncoding, "URL-safe, unpadded": base64.RawURLEncoding,
		} {
			for _, c := range []struct{ before, after string }{{"  token: ", "\n"}, {`{"t":"`, `"}`}, {"", ""}} {
				b64 := enc.EncodeToString([]byte(tok))
				in := c.before + b64 + c.after
				for _, piece := range []int{0, 1} {
					got := decodeAll([]byte(in), piece)
					if len(got) != 1 || got[0].Token != tok || got[0].Encoding != detect.EncBase64 || got[0].Offset != int64(len(c.before)) {
						t.Errorf("%s, %d characters in %q…: %s", name, len(b64), c.before, found(got, tok))
					}
				}
			}
		}
	}
}

// TestWrappedBase64 finds a token in base64 wrapped in lines (MIME's 76
// columns and \r\n, PEM's 64 and \n, 50, a JSON string's \n, YAML's
// indented block), at every place in a text, so that the line end cuts
// its base64 at each of its characters, the "cio" of it too (j|aW and
// Np|b where the width is a multiple of four).
func TestWrappedBase64(t *testing.T) {
	src := tokentest.New(2231)
	tok := src.API()
	for _, c := range []struct {
		name, before, sep, after string
		width                    int
	}{
		{"MIME", "Content-Transfer-Encoding: base64\r\n\r\n", "\r\n", "--b--\r\n", 76},
		{"PEM", "-----BEGIN DATA-----\n", "\n", "-----END DATA-----\n", 64},
		{"50 columns", "x=\n", "\n", "\n", 50},
		{"a JSON string", `{"blob": "`, `\n`, `"}`, 64},
		{"a YAML block", "data: |\n    ", "\n    ", "\nnext: 1\n", 60},
	} {
		missed := 0
		for lead := range 120 {
			text := strings.Repeat("x", lead) + " " + tok + " and more text after it, to the end of the lines."
			b64 := base64.StdEncoding.EncodeToString([]byte(text))
			in := c.before + wrap(b64, c.width, c.sep) + c.after
			got := decodeAll([]byte(in), 0)
			if len(got) != 1 || got[0].Token != tok || got[0].Encoding != detect.EncBase64 {
				// At a width that is no multiple of four a line end may
				// cut the trigger itself: Y2l, Npb or jaW.
				if c.width%4 != 0 && len(got) == 0 {
					missed++
					continue
				}
				t.Errorf("%s, token at %d: %s", c.name, lead+1, found(got, tok))
				continue
			}
			// The finding starts at the group of four holding the token's c.
			at := (lead + 1) / 3 * 4
			want := len(c.before) + at + at/c.width*len(c.sep)
			if got[0].Offset != int64(want) {
				t.Errorf("%s, token at %d: offset %d, want %d", c.name, lead+1, got[0].Offset, want)
			}
		}
		if missed > 120/10 {
			t.Errorf("%s: %d of 120 places missed", c.name, missed)
		}
	}
}

// TestBase64NearMissesAreQuiet: base64 of a word one short of a token or
// one too long, bare or wrapped, and random base64 wrapped in lines, hold
// no finding.
func TestBase64NearMissesAreQuiet(t *testing.T) {
	src := tokentest.New(2232)
	tok := src.API()
	for name, plain := range map[string]string{
		"31 characters": tok[:34], "33 characters": tok + "x", "tp, bad checksum": src.TPBadChecksum(),
	} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			in := "v: " + enc.EncodeToString([]byte(plain)) + "\n"
			if got := decodeAll([]byte(in), 0); len(got) != 0 {
				t.Errorf("%s: %s", name, found(got, ""))
			}
			in = "-----BEGIN X-----\n" + wrap(enc.EncodeToString([]byte(strings.Repeat("ab ", 30)+plain+" cd")), 64, "\n")
			if got := decodeAll([]byte(in), 0); len(got) != 0 {
				t.Errorf("%s, wrapped: %s", name, found(got, ""))
			}
		}
	}
	r := rand.New(rand.NewPCG(22, 30))
	blob := make([]byte, 3<<20)
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	in := "Content-Transfer-Encoding: base64\r\n\r\n" + wrap(base64.StdEncoding.EncodeToString(blob), 76, "\r\n")
	if got := decodeAll([]byte(in), 1<<16); len(got) != 0 {
		t.Errorf("random base64 in 76 columns: %d findings", len(got))
	}
}

// TestLongWrappedBase64 puts tokens at the start, the middle and the end
// of 1 MiB of text, base64-encoded in 76 columns, and decodes it in
// pieces that cut it anywhere: each token is found once.
func TestLongWrappedBase64(t *testing.T) {
	src := tokentest.New(2233)
	toks := []string{src.API(), src.API(), src.TP()}
	filler := strings.Repeat("lorem ipsum dolor sit amet ", 20000)
	text := toks[0] + " " + filler + toks[1] + " " + filler + " " + toks[2]
	in := []byte(wrap(base64.StdEncoding.EncodeToString([]byte(text)), 76, "\r\n"))
	for _, piece := range []int{0, 4096, 65537} {
		n := map[string]int{}
		for _, m := range decodeAll(in, piece) {
			n[m.Token]++
		}
		for i, tok := range toks {
			if n[tok] != 1 {
				t.Errorf("pieces of %d: token %d found %d times", piece, i, n[tok])
			}
		}
	}
}
