package detect_test

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// utf16Bytes writes s as UTF-16 in the byte order given.
func utf16Bytes(s string, order binary.AppendByteOrder) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = order.AppendUint16(out, u)
	}
	return out
}

var (
	bomLE = []byte{0xff, 0xfe}
	bomBE = []byte{0xfe, 0xff}
)

// TestUTF16 finds a token in UTF-16 text of either byte order, with a
// byte order mark or without, between ASCII or other characters, at the
// first byte of its first character, on its line.
func TestUTF16(t *testing.T) {
	src := tokentest.New(2220)
	for _, tok := range []string{src.API(), src.TP()} {
		for _, c := range []struct {
			name   string
			bom    []byte
			order  binary.AppendByteOrder
			enc    string
			before string
		}{
			{"little-endian with a mark", bomLE, binary.LittleEndian, detect.EncUTF16LE, "{\n  \"token\": \""},
			{"little-endian", nil, binary.LittleEndian, detect.EncUTF16LE, "t="},
			{"big-endian with a mark", bomBE, binary.BigEndian, detect.EncUTF16BE, "line\r\nt = '"},
			{"big-endian", nil, binary.BigEndian, detect.EncUTF16BE, "€ "},
			{"after a character beyond ASCII", nil, binary.LittleEndian, detect.EncUTF16LE, "ключ→"},
			{"after a CJK character", nil, binary.BigEndian, detect.EncUTF16BE, "鍵"},
		} {
			in := append(append(append([]byte{}, c.bom...), utf16Bytes(c.before, c.order)...), utf16Bytes(tok+"\"\n}", c.order)...)
			at := int64(len(c.bom) + len(utf16Bytes(c.before, c.order)))
			line := 1 + strings.Count(c.before, "\n")
			for _, piece := range []int{0, 1, 5} {
				got := decodeAll(in, piece)
				if len(got) != 1 || got[0].Token != tok || got[0].Encoding != c.enc || got[0].Offset != at || got[0].Line != line {
					t.Errorf("%s, pieces of %d: %s, want %s at %d on line %d", c.name, piece, found(got, tok), c.enc, at, line)
				} else if got[0].Length != 2*len(tok) {
					t.Errorf("%s: length %d", c.name, got[0].Length)
				}
			}
		}
	}
}

// TestUTF16ByteOrderMark: inside a little-endian file, text at an odd
// offset reads as well either way; the file's mark names its order.
func TestUTF16ByteOrderMark(t *testing.T) {
	tok := tokentest.New(2221).API()
	in := append(append([]byte{}, bomLE...), utf16Bytes("x", binary.LittleEndian)...)
	in = append(in, 0x20) // a stray byte: the text below starts at an odd offset
	in = append(in, utf16Bytes(" "+tok+" ", binary.LittleEndian)...)
	got := decodeAll(in, 0)
	if len(got) != 1 || got[0].Encoding != detect.EncUTF16LE || got[0].Offset != 7 {
		t.Errorf("%s", found(got, tok))
	}
}

// TestUTF16NearMissesAreQuiet: one character short of a token or one
// too many, a non-word character inside, a character glued before with
// its high byte set but its low byte a letter (U+4E41), in either order,
// are no findings.
func TestUTF16NearMissesAreQuiet(t *testing.T) {
	src := tokentest.New(2222)
	tok := src.API()
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		for name, text := range map[string]string{
			"31 characters":   " " + tok[:34] + " ",
			"33 characters":   " " + tok + "x ",
			"a hyphen inside": " " + tok[:9] + "-" + tok[10:] + " ",
			"a letter glued":  " x" + tok + " ",
		} {
			if got := decodeAll(utf16Bytes(text, order), 0); len(got) != 0 {
				t.Errorf("%s: %s", name, found(got, ""))
			}
		}
	}
	// U+4E41's low byte is "A": next to a token it is no word character,
	// but the token's own character may not have such a high byte.
	in := append(utf16Bytes(" ", binary.LittleEndian), utf16Bytes(tok, binary.LittleEndian)...)
	in[2+2*10+1] = 0x4e // the 11th character is now U+4E..
	if got := decodeAll(in, 0); len(got) != 0 {
		t.Errorf("a character beyond ASCII inside: %s", found(got, ""))
	}
}
