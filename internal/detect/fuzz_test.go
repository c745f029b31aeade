package detect

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/cratesguard/cratesguard/internal/simd"
)

type splitReader struct {
	data []byte
	n    int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(r.n, len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// FuzzMatcher checks Find and Scan (fed in small reads) against the naive
// reference matcher. Seeds live in testdata/fuzz/FuzzMatcher.
func FuzzMatcher(f *testing.F) {
	// Token-shaped seeds are built here, not stored: the repository holds none.
	scrambled := func(n, step int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = ChecksumAlphabet[(i*step+5)%len(ChecksumAlphabet)]
		}
		return string(b)
	}
	api := apiPrefix + scrambled(32, 7)
	raw := scrambled(31, 11)
	tp := tpPrefix + raw + string(TrustedPublishingChecksum([]byte(raw)))
	f.Add([]byte("x = '"+api+"'"), uint8(3))
	f.Add([]byte("CARGO_REGISTRY_TOKEN="+api+"\n"), uint8(0))
	f.Add([]byte("a\n"+tp+"\n"+api), uint8(17))
	f.Add([]byte("base64,AAEBAgMEBQYHCAkKCwwNDg8Q+"+api+"/ERITFBUWFxgZGhscHR4fICEiIyQl=="), uint8(40))
	f.Add([]byte(tp[:38]+"A"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		want := fmt.Sprint(reference(data))
		if got := fmt.Sprint(Find(data)); got != want {
			t.Fatalf("Find: got %s want %s", got, want)
		}
		if simd.AVX2 { // the pure-Go path too
			simd.AVX2 = false
			got := fmt.Sprint(Find(data))
			simd.AVX2 = true
			if got != want {
				t.Fatalf("Find (pure Go): got %s want %s", got, want)
			}
		}
		var sc Scanner
		var got []Match
		if err := sc.Scan(&splitReader{data: bytes.Clone(data), n: int(split) + 1}, func(m Match) { got = append(got, m) }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != want {
			t.Fatalf("Scan: got %s want %s", fmt.Sprint(got), want)
		}
	})
}

// FuzzDecoder checks that the Decoder never panics, reports the same
// tokens whatever the write sizes, and reports only real tokens.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(`t="\u0063io`+ChecksumAlphabet[:32]+`"`), uint8(3))
	f.Add([]byte("q=%63io"+ChecksumAlphabet[10:42]), uint8(1))
	f.Add([]byte("&#99;io"+ChecksumAlphabet[20:52]+" atob('eyJ0IjoiY2lv')"), uint8(9))
	// Issue 22's ways, a token-shaped body each, built here.
	body := ChecksumAlphabet[5:37]
	tok := apiPrefix + body
	f.Add([]byte(`t="c\u0069o`+body+`" u='ci\x6f`+body+`' v=`+"`cio"+`\u{41}`+body[1:]+"`"), uint8(5))
	f.Add([]byte(`a{content:"\63 io`+body+`"} /r?u=%2563io`+body+` &#0000099;io`+body), uint8(2))
	f.Add([]byte(`h="`+hex.EncodeToString([]byte(tok))+`" t="`+tok[:9]+`"+'`+tok[9:]+`' ["`+tok[:4]+`","`+tok[4:]+`"].join("")`), uint8(11))
	var u16 []byte
	for _, c := range []byte("\xff\xfe" + ` "` + tok + `"`) {
		u16 = append(u16, c, 0)
	}
	f.Add(u16, uint8(4))
	b64 := base64.StdEncoding.EncodeToString([]byte("token " + tok + " then more text to wrap"))
	f.Add([]byte("k: "+base64.StdEncoding.EncodeToString([]byte(tok))+"\n"+b64[:16]+"\r\n"+b64[16:32]+"\r\n"+b64[32:]), uint8(6))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		run := func(piece int) string {
			var got []string
			d := NewDecoder(func(m Match) {
				if len(Find([]byte(m.Token))) != 1 {
					t.Fatalf("reported %q, which is not a token on its own", m.Token)
				}
				got = append(got, fmt.Sprint(m.Token, m.Encoding))
			})
			for b := data; len(b) > 0; {
				n := min(piece, len(b))
				d.Write(b[:n])
				b = b[n:]
			}
			d.Close()
			return fmt.Sprint(got)
		}
		if a, b := run(len(data)+1), run(int(split)+1); a != b {
			t.Fatalf("whole: %s\npieces of %d: %s", a, int(split)+1, b)
		}
	})
}
