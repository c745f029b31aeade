package detect_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func gzipped(t *testing.T, text []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(text); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodeNotes is decodeAll, with the Decoder's notes.
func decodeNotes(input []byte, piece int) ([]detect.Match, []string) {
	var got []detect.Match
	d := detect.NewDecoder(func(m detect.Match) { got = append(got, m) })
	for len(input) > 0 {
		n := min(max(piece, 1), len(input))
		if piece <= 0 {
			n = len(input)
		}
		d.Write(input[:n])
		input = input[n:]
	}
	d.Close()
	return got, d.Notes()
}

// TestGzipInBase64 finds tokens in gzip-compressed text in base64, a
// data: URI's payload or a JSON value's, at the payload's first
// character: a short payload, and a long one (a token at the start and
// at the end of 2 MB of text) written in pieces that cut it anywhere.
func TestGzipInBase64(t *testing.T) {
	src := tokentest.New(2250)
	tok, tp := src.API(), src.TP()
	filler := strings.Repeat(`{"name":"lorem","value":[1,2,3]},`, 60000)
	for _, c := range []struct {
		name, before, text, after string
		pieces                    []int
	}{
		{"a data: URI", `<script src="data:application/gzip;base64,`, `{"token":"` + tok + `"}`, `"></script>`, []int{0, 7}},
		{"a JSON value", `{"release":"`, `[{"config":{"token":"` + tok + `"}}]`, `"}`, []int{0, 7}},
		{"2 MB", `x=atob("`, tok + " " + filler + " " + tp, `");`, []int{0, 4096, 65537}},
	} {
		payload := base64.StdEncoding.EncodeToString(gzipped(t, []byte(c.text)))
		in := []byte(c.before + payload + c.after)
		for _, piece := range c.pieces {
			got, notes := decodeNotes(in, piece)
			want := 1
			if strings.Contains(c.text, tp) {
				want = 2
			}
			if len(got) != want || len(notes) != 0 {
				t.Errorf("%s, pieces of %d: %d findings, notes %q", c.name, piece, len(got), notes)
				continue
			}
			for _, m := range got {
				if m.Encoding != detect.EncBase64Gzip || m.Offset != int64(len(c.before)) || m.Length != len(strings.TrimRight(payload, "=")) ||
					m.Token != tok && m.Token != tp {
					t.Errorf("%s, pieces of %d: %s", c.name, piece, found([]detect.Match{m}, tok))
				}
			}
		}
	}
}

// TestGzipInBase64Limits: a payload over 1 MiB compressed is opened as
// far as 1 MiB, one that inflates to over 16 MiB is scanned as far as 16
// MiB, each said in a note; a token before the limit is found, one after
// it is not (inflated).
func TestGzipInBase64Limits(t *testing.T) {
	src := tokentest.New(2251)
	before, after := src.API(), src.API()
	r := rand.New(rand.NewPCG(22, 51))
	noise := make([]byte, 2<<20) // incompressible
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	zeros := make([]byte, 20<<20) // inflates far
	for name, text := range map[string][]byte{
		"over 1 MiB compressed": append(append([]byte(before+" "), noise...), " "+after...),
		"over 16 MiB inflated":  append(append([]byte(before+" "), zeros...), " "+after...),
	} {
		in := []byte("data:application/gzip;base64," + base64.StdEncoding.EncodeToString(gzipped(t, text)) + `"`)
		all, notes := decodeNotes(in, 1<<16)
		var got []detect.Match // (random bytes are stored, not deflated: the token after them is in the base64 as such)
		for _, m := range all {
			if m.Encoding == detect.EncBase64Gzip {
				got = append(got, m)
			}
		}
		if len(got) != 1 || got[0].Token != before || len(notes) != 1 || !strings.Contains(notes[0], "MiB") {
			t.Errorf("%s: %d findings (the one before the limit: %v), notes %q", name, len(got), len(got) > 0 && got[0].Token == before, notes)
		}
	}
}

// TestGzipInBase64IsQuiet: gzip payloads of random bytes, of text one
// character short of a token or one too long, H4sI followed by what is
// no gzip, hold no finding and no note.
func TestGzipInBase64IsQuiet(t *testing.T) {
	src := tokentest.New(2252)
	tok := src.API()
	r := rand.New(rand.NewPCG(22, 52))
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	for name, payload := range map[string]string{
		"random bytes":  base64.StdEncoding.EncodeToString(gzipped(t, noise)),
		"31 characters": base64.StdEncoding.EncodeToString(gzipped(t, []byte(`"`+tok[:34]+`"`))),
		"33 characters": base64.StdEncoding.EncodeToString(gzipped(t, []byte(`"`+tok+`x"`))),
		"no gzip":       "H4sI" + base64.StdEncoding.EncodeToString(noise),
	} {
		got, notes := decodeNotes([]byte(`"data:application/gzip;base64,`+payload+`"`), 4096)
		if len(got) != 0 || len(notes) != 0 {
			t.Errorf("%s: %s, notes %q", name, found(got, ""), notes)
		}
	}
}
