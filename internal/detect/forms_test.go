package detect_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// withBodyByte returns a fresh API token from src with c somewhere after
// its prefix, and that place.
func withBodyByte(src *tokentest.Source, c byte) (string, int) {
	for {
		tok := src.API()
		if i := strings.IndexByte(tok[3:], c); i >= 0 {
			return tok, 3 + i
		}
	}
}

// form is one way of writing a token that the matcher cannot see: the
// input holding it, the encoding it must be reported under, and where
// the encoded token starts.
type form struct {
	name, enc string
	input     []byte
	at        int64
	token     string
}

// theFifteenForms are the forms of issue 22, each with a fresh token,
// none of which a scan found before the decodings of that issue.
func theFifteenForms() []form {
	src := tokentest.New(2200)
	var fs []form
	add := func(name, enc string, input []byte, at int, tok string) {
		fs = append(fs, form{name, enc, input, int64(at), tok})
	}

	tok := src.API()
	pre := `{"registry": {"token": "`
	add("UTF-16LE with a BOM (a JSON file)", detect.EncUTF16LE,
		append([]byte{0xff, 0xfe}, utf16Bytes(pre+tok+`"}}`+"\n", binary.LittleEndian)...), 2+2*len(pre), tok)

	tok = src.API()
	pre = "CARGO_REGISTRY_TOKEN="
	add("UTF-16BE without a BOM", detect.EncUTF16BE, utf16Bytes(pre+tok+"\n", binary.BigEndian), 2*len(pre), tok)

	tok = src.API()
	add(`JS \u0069 on the second character`, detect.EncEscapes, []byte(`t="c\u0069`+tok[2:]+`";`), 3, tok)

	tok = src.API()
	add(`JS \x6f on the third character`, detect.EncEscapes, []byte(`t='ci\x6f`+tok[3:]+`';`), 3, tok)

	tok, i := withBodyByte(src, 'c')
	add(`JS octal \143 on one character of the body`, detect.EncEscapes, []byte(`t="`+tok[:i]+`\143`+tok[i+1:]+`"`), 3, tok)

	tok, i = withBodyByte(src, 'c')
	add(`JS \u{63} on one character of the body`, detect.EncEscapes, []byte("t=`"+tok[:i]+`\u{63}`+tok[i+1:]+"`"), 3, tok)

	tok = src.API()
	add(`CSS escape \63 followed by a space`, detect.EncCSS, []byte(`.k::after{content:"\63 `+tok[1:]+`"}`), 19, tok)

	tok = src.API()
	add("zero-padded HTML entity &#0000099;", detect.EncHTML, []byte(`<code>&#0000099;`+tok[1:]+`</code>`), 6, tok)

	tok = src.API()
	add("percent-encoding of the second character", detect.EncPercent, []byte(`/login?token=c%69`+tok[2:]+`&next=%2F`), 13, tok)

	tok = src.API()
	pre = `/r?u=%2Fcb%3Ft%3D`
	add("double percent-encoding %2563", detect.EncPercent2, []byte(pre+`%2563`+tok[1:]), len(pre), tok)

	tok = src.API()
	add("hex bytes", detect.EncHex, []byte(`Buffer.from("`+hex.EncodeToString([]byte(tok))+`","hex")`), 13, tok)
	tok = src.API()
	pre = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cargo\ndata:\n  token: "
	add("base64 of the bare token (a Kubernetes Secret's data:)", detect.EncBase64,
		[]byte(pre+base64.StdEncoding.EncodeToString([]byte(tok))+"\n"), len(pre), tok)

	tok = src.API()
	// The token's base64 is cut by a line end: it starts on the first
	// line (byte 54 of the text, character 72 of the base64), four
	// characters before its end.
	text := strings.Repeat("x", 38) + "crates.io token " + tok + "\r\nkeep it secret\r\n"
	head := "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	b64 := base64.StdEncoding.EncodeToString([]byte(text))
	add("MIME-wrapped base64 (76-column lines)", detect.EncBase64, []byte(head+wrap(b64, 76, "\r\n")), len(head)+54/3*4, tok)
	tok = src.API()
	add(`"cio…" + "…" in JavaScript`, detect.EncConcat, []byte(`const t = "`+tok[:20]+`" + "`+tok[20:]+`";`), 11, tok)

	tok = src.API()
	add(`["…","…"].join("") in JavaScript`, detect.EncConcat, []byte(`var t=["`+tok[:9]+`","`+tok[9:]+`"].join("");`), 8, tok)
	return fs
}

// TestTheFifteenForms finds each form of issue 22, once, under its
// encoding, at the encoded text: through the Decoder written to in
// pieces of every size, and through the Scanner and Decoder together as
// a body is scanned.
func TestTheFifteenForms(t *testing.T) {
	forms := theFifteenForms()
	if len(forms) != 15 {
		t.Fatalf("%d forms", len(forms))
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			if raw := detect.Find(f.input); len(raw) != 0 {
				t.Fatalf("the plain matcher already finds this: the case tests nothing")
			}
			line := 1 + bytes.Count(f.input[:f.at], []byte("\n"))
			for _, piece := range []int{0, 1, 7, 64} {
				got := decodeAll(f.input, piece)
				if len(got) != 1 {
					t.Fatalf("pieces of %d: %d matches, want 1", piece, len(got))
				}
				m := got[0]
				if m.Token != f.token || m.Encoding != f.enc || m.Offset != f.at || m.Line != line {
					t.Errorf("pieces of %d: encoding %q at %d line %d, want %q at %d line %d; token right: %v",
						piece, m.Encoding, m.Offset, m.Line, f.enc, f.at, line, m.Token == f.token)
				}
				if m.Length <= 0 || m.Offset+int64(m.Length) > int64(len(f.input)) {
					t.Errorf("pieces of %d: length %d past the input", piece, m.Length)
				}
			}
			if got := pipeline(bytes.NewReader(f.input)); len(got) != 1 || got[0].Token != f.token {
				t.Errorf("scanned as a body: %d matches, want the token once", len(got))
			}
		})
	}
}

// TestTheFifteenFormsInPlace scans each form as a file is scanned, in
// place, with the matcher and the decoder over the same blocks.
func TestTheFifteenFormsInPlace(t *testing.T) {
	for _, f := range theFifteenForms() {
		var got []detect.Match
		var sc detect.Scanner
		var dec detect.Decoder
		data := append(bytes.Repeat([]byte("var a = 1;\n"), 3000), f.input...)
		shift := int64(len(data) - len(f.input))
		inp := sc.InPlace(data, detect.Local(0), &dec, func(m detect.Match) { got = append(got, m) })
		for at := 0; at < len(data); at += 4096 {
			inp.Step(min(at+4096, len(data)))
			inp.StateAt(min(at+4096, len(data)))
		}
		inp.Finish()
		if len(got) != 1 || got[0].Token != f.token || got[0].Encoding != f.enc || got[0].Offset != f.at+shift {
			t.Errorf("%s: %s", f.name, fmt.Sprint(len(got), " matches"))
		}
	}
}
