package detect_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestInPlaceBlocksEndAnywhere: the in-place scan, its blocks ending
// anywhere around a token (inside it, in the context after it that decides
// whether it is one, past the newline that follows it, at the input's
// end), reports each token at the place the whole input gives it: the
// matcher's tokens as Find does, the decoder's as a Decoder fed the whole.
// The line count reaches each block's end before the matcher has decided
// the bytes before it.
func TestInPlaceBlocksEndAnywhere(t *testing.T) {
	src := tokentest.New(72)
	tok, tok2 := src.API(), src.API()
	describe := func(ms []detect.Match) string {
		var b strings.Builder
		for _, m := range ms {
			fmt.Fprintf(&b, "[%d %d:%d/%d %q %v] ", m.Offset, m.Line, m.Column, m.Column16, m.Encoding, m.Token == tok || m.Token == tok2)
		}
		return b.String()
	}
	for _, in := range []string{
		"a\nCafé 🦀 " + tok + "\n",
		"a\nCafé 🦀 " + tok + " \n\nb = 1;\n",
		"x = '" + tok + "';\ny = `\\u0063" + tok2[1:] + "`\n",
		"é\n" + tok,
		"no token\nhere\n", // nothing seen, nothing counted
	} {
		data := []byte(in)
		want := append(detect.Find(data), decodeAll(data, 0)...)
		slices.SortFunc(want, func(a, b detect.Match) int { return int(a.Offset - b.Offset) })
		for cut := 0; cut <= len(data); cut++ {
			// Lines counted at each block's end, or only once a pattern
			// is seen (as the scan of a file does).
			for _, lazy := range []bool{false, true} {
				var sc detect.Scanner
				var dec detect.Decoder
				var got []detect.Match
				p := sc.InPlace(data, detect.Local(0), &dec, func(m detect.Match) { got = append(got, m) })
				for _, end := range []int{cut, len(data)} {
					p.Step(end)
					if !lazy || p.Seen() {
						p.StateAt(end)
					}
				}
				p.Finish()
				slices.SortFunc(got, func(a, b detect.Match) int { return int(a.Offset - b.Offset) })
				if describe(got) != describe(want) {
					t.Fatalf("%q, a block ending at %d (lazy %v):\n got %s\nwant %s", in, cut, lazy, describe(got), describe(want))
				}
				if p.Seen() != (len(want) > 0) {
					t.Fatalf("%q: seen %v, with %d tokens", in, p.Seen(), len(want))
				}
			}
		}
	}
}
