package detect_test

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestHexBytes finds a token written as hex bytes, in either case, alone
// or with a 0x before it, or inside the hex of a longer text, at the
// first digit of its hex.
func TestHexBytes(t *testing.T) {
	src := tokentest.New(2210)
	for _, tok := range []string{src.API(), src.TP()} {
		h := hex.EncodeToString([]byte(tok))
		for _, c := range []struct{ name, before, hex, after string }{
			{"lower case", `k = "`, h, `"`},
			{"upper case", `K=`, strings.ToUpper(h), "\n"},
			{"0x", `[0x`, h, `]`},
			{"at the start", ``, h, ``},
			{"inside a text's hex", `x'` + hex.EncodeToString([]byte("token = ")), h, hex.EncodeToString([]byte("\nuser = me")) + `'`},
		} {
			in := c.before + c.hex + c.after
			at := int64(len(c.before) + strings.Index(strings.ToLower(c.hex), h))
			for _, piece := range []int{0, 3} {
				got := decodeAll([]byte(in), piece)
				if len(got) != 1 || got[0].Token != tok || got[0].Encoding != detect.EncHex || got[0].Offset != at {
					t.Errorf("%s, pieces of %d: %s, want the token at %d", c.name, piece, found(got, tok), at)
				} else if got[0].Length != 2*len(tok) {
					t.Errorf("%s: length %d", c.name, got[0].Length)
				}
			}
		}
	}
}

// TestHexNearMissesAreQuiet: hex of a word one short of a token or one
// too long, of a token glued to a letter, hex glued to a word or cut at
// an odd digit, is no finding.
func TestHexNearMissesAreQuiet(t *testing.T) {
	src := tokentest.New(2211)
	tok := src.API()
	h := hex.EncodeToString([]byte(tok))
	for name, in := range map[string]string{
		"31 characters":      `"` + hex.EncodeToString([]byte(tok[:34])) + `"`,
		"33 characters":      `"` + hex.EncodeToString([]byte(tok+"x")) + `"`,
		"a letter before":    `"` + hex.EncodeToString([]byte("x"+tok)) + `"`,
		"a letter after":     `"` + h + hex.EncodeToString([]byte("x")) + `"`,
		"glued to a word":    `"key` + h + `"`,
		"an odd digit first": `"a` + h + `"`,
		"an odd digit last":  `"` + h + `a"`,
		"tp, bad checksum":   `"` + hex.EncodeToString([]byte(src.TPBadChecksum())) + `"`,
	} {
		if got := decodeAll([]byte(in), 0); len(got) != 0 {
			t.Errorf("%s: %s", name, found(got, ""))
		}
	}
}

// TestRandomHexIsQuiet: 4 MB of random hex, as digests and as one run,
// holds no finding.
func TestRandomHexIsQuiet(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 10))
	blob := make([]byte, 2<<20)
	for i := range blob {
		blob[i] = byte(r.Uint32())
	}
	var digests strings.Builder
	for i := 0; i+64 <= len(blob); i += 64 {
		sum := sha256.Sum256(blob[i : i+64])
		digests.WriteString(hex.EncodeToString(sum[:]) + "  file\n")
	}
	for name, in := range map[string]string{"one run": hex.EncodeToString(blob), "digests": digests.String()} {
		if got := decodeAll([]byte(in), 1<<16); len(got) != 0 {
			t.Errorf("%s: %d findings", name, len(got))
		}
	}
}
