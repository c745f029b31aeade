package detect_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// scanAll runs the streaming scanner over r.
func scanAll(t testing.TB, r io.Reader) []detect.Match {
	t.Helper()
	var sc detect.Scanner
	var got []detect.Match
	if err := sc.Scan(r, func(m detect.Match) { got = append(got, m) }); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return got
}

func describe(ms []detect.Match) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s@%d(%d:%d,ph=%v,len=%d) ", m.Rule, m.Offset, m.Line, m.Column, m.Placeholder, len(m.Token))
	}
	return b.String()
}

// forEachImpl runs f once per matcher implementation.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	for _, impl := range detect.Implementations() {
		t.Run(impl, func(t *testing.T) {
			defer detect.Use(impl)()
			f(t)
		})
	}
}

func TestBoundaries(t *testing.T) { forEachImpl(t, testBoundaries) }

func testBoundaries(t *testing.T) {
	src := tokentest.New(1)
	api := src.API()
	tp := src.TP()
	body := api[3:]
	type want struct {
		rule   string
		offset int64
		ph     bool
	}
	cases := []struct {
		name  string
		input string
		want  []want
	}{
		{"alone", api, []want{{detect.RuleAPIToken, 0, false}}},
		{"start of input", api + " x", []want{{detect.RuleAPIToken, 0, false}}},
		{"end of input", "x=" + api, []want{{detect.RuleAPIToken, 2, false}}},
		{"quoted", `const t="` + api + `";`, []want{{detect.RuleAPIToken, 9, false}}},
		{"env line", "CARGO_REGISTRY_TOKEN=" + api + "\n", []want{{detect.RuleAPIToken, 21, false}}},
		{"preceded by letter", "x" + api, nil},
		{"preceded by digit", "9" + api, nil},
		{"preceded by underscore", "_" + api, nil},
		{"followed by letter", api + "a", nil},
		{"followed by underscore", api + "_", nil},
		{"followed by dash", api + "-x", []want{{detect.RuleAPIToken, 0, false}}},
		{"followed by dot", api + ".", []want{{detect.RuleAPIToken, 0, false}}},
		{"one short", api[:34], nil},
		{"one short bounded", "'" + api[:34] + "'", nil},
		{"upper-case prefix", "CIO" + body, nil},
		{"underscore in body", "cio" + body[:10] + "_" + body[11:], nil},
		{"non-ASCII after", api + "é", []want{{detect.RuleAPIToken, 0, false}}},
		{"NUL around", "\x00" + api + "\x00", []want{{detect.RuleAPIToken, 1, false}}},
		{"two adjacent by space", api + " " + api, []want{{detect.RuleAPIToken, 0, false}, {detect.RuleAPIToken, 36, false}}},
		{"trusted publishing", "t=" + tp + ";", []want{{detect.RuleTrustedPublishing, 2, false}}},
		{"tp wrong checksum", src.TPBadChecksum(), nil},
		{"tp too long", tp + "A", nil},
		{"tp followed by underscore", tp + "_", nil},
		{"placeholder repeated", tokentest.Placeholder('X'), []want{{detect.RuleAPIToken, 0, true}}},
		{"placeholder zeros", tokentest.Placeholder('0'), []want{{detect.RuleAPIToken, 0, true}}},
		{"placeholder alphabet", "cio" + "abcdefghijklmnopqrstuvwxyzABCDEF", []want{{detect.RuleAPIToken, 0, true}}},
		{"placeholder word", "cio" + "YourTokenGoesHere" + src.Alnum(15), []want{{detect.RuleAPIToken, 0, true}}},
		{"tp vector valid", "cio_tp_" + "gGK6jurSwKyl9V3Az19z7YEFQI9aoOOd", []want{{detect.RuleTrustedPublishing, 0, false}}},
		{"tp vector zeros", "cio_tp_" + strings.Repeat("0", 31) + "w", []want{{detect.RuleTrustedPublishing, 0, true}}},
		{"tp vector bad checksum", "cio_tp_" + strings.Repeat("0", 32), nil},
		{"tp vector bad char", "cio_tp_" + "000000@" + strings.Repeat("0", 25), nil},
		{"base64 blob decoy", "data:font/woff2;base64,AAEBAgMEBQYHCAkKCwwNDg8Q+" + api + "/ERITFBUWFxgZGhscHR4fICEiIyQl==", nil},
		{"url path is no decoy", "/api/v1/crates/tokens/" + api + "/rotate-now-please", []want{{detect.RuleAPIToken, 22, false}}},
		{"one side of base64 is not a blob", "base64,AAEBAgMEBQYHCAkKCwwNDg8Q+" + api + "\"", []want{{detect.RuleAPIToken, 32, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, impl := range []struct {
				name string
				got  []detect.Match
			}{
				{"Find", detect.Find([]byte(c.input))},
				{"Scan", scanAll(t, strings.NewReader(c.input))},
				{"Scan one byte at a time", scanAll(t, iotest.OneByteReader(strings.NewReader(c.input)))},
			} {
				if len(impl.got) != len(c.want) {
					t.Fatalf("%s: got %d matches %s, want %d", impl.name, len(impl.got), describe(impl.got), len(c.want))
				}
				for i, w := range c.want {
					g := impl.got[i]
					if g.Rule != w.rule || g.Offset != w.offset || g.Placeholder != w.ph {
						t.Errorf("%s: match %d = %s, want %s@%d ph=%v", impl.name, i, describe(impl.got[i:i+1]), w.rule, w.offset, w.ph)
					}
					wantLen := 35
					if w.rule == detect.RuleTrustedPublishing {
						wantLen = 39
					}
					if g.Token != c.input[g.Offset:g.Offset+int64(wantLen)] {
						t.Errorf("%s: token text does not match input at its offset", impl.name)
					}
				}
			}
		})
	}
}

func TestLineAndColumn(t *testing.T) { forEachImpl(t, testLineAndColumn) }

func testLineAndColumn(t *testing.T) {
	src := tokentest.New(2)
	a, b, c := src.API(), src.API(), src.TP()
	input := "first line\r\n\n  " + a + "\nx\ty " + b + " z\n\n\n" + strings.Repeat("w ", 1000) + c
	want := [][2]int{{3, 3}, {4, 5}, {7, 2001}}
	got := scanAll(t, iotest.HalfReader(strings.NewReader(input)))
	if len(got) != len(want) {
		t.Fatalf("got %s", describe(got))
	}
	for i, w := range want {
		if got[i].Line != w[0] || got[i].Column != w[1] {
			t.Errorf("match %d at %d:%d, want %d:%d", i, got[i].Line, got[i].Column, w[0], w[1])
		}
	}
}

// chunkReader returns the input in reads of the given sizes, cycling.
type chunkReader struct {
	data  []byte
	sizes []int
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := r.sizes[r.i%len(r.sizes)]
	r.i++
	n = min(n, len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// TestSplitEverywhere splits the input at every position around a token and
// checks the match is still found once, with the right offset.
func TestSplitEverywhere(t *testing.T) { forEachImpl(t, testSplitEverywhere) }

func testSplitEverywhere(t *testing.T) {
	src := tokentest.New(3)
	for _, tok := range []string{src.API(), src.TP()} {
		input := []byte("var a = 'x', t = \"" + tok + "\"; // end")
		off := int64(bytes.Index(input, []byte(tok)))
		for split := 1; split < len(input); split++ {
			got := scanAll(t, &chunkReader{data: input, sizes: []int{split, len(input)}})
			if len(got) != 1 || got[0].Offset != off || got[0].Token != tok {
				t.Fatalf("split at %d: %s", split, describe(got))
			}
		}
	}
}

// TestBufferBoundaries places a token at every offset around the scanner's
// read size (32 KiB) and its multiples, and at the 64 KiB mark.
func TestBufferBoundaries(t *testing.T) { forEachImpl(t, testBufferBoundaries) }

func testBufferBoundaries(t *testing.T) {
	src := tokentest.New(4)
	tok := src.API()
	for _, edge := range []int{32 << 10, 64 << 10, 96 << 10, 3 * 64 << 10} {
		for delta := -40; delta <= 40; delta++ {
			pos := edge + delta
			input := bytes.Repeat([]byte("ab.cd "), (pos+100)/6+1)
			input[pos-1] = ' '
			copy(input[pos:], tok)
			input[pos+len(tok)] = ';'
			got := scanAll(t, bytes.NewReader(input))
			ref := detect.Find(input)
			if len(got) != 1 || got[0].Offset != int64(pos) || describe(got) != describe(ref) {
				t.Fatalf("token at %d (edge %d%+d): scan %s, find %s", pos, edge, delta, describe(got), describe(ref))
			}
		}
	}
}

// TestLongLines covers a multi-MiB single line with a token at its very end,
// word runs longer than the read buffer, and a token right after such a run.
func TestLongLines(t *testing.T) { forEachImpl(t, testLongLines) }

func testLongLines(t *testing.T) {
	src := tokentest.New(5)
	tok := src.API()
	t.Run("token at end of 5 MiB line", func(t *testing.T) {
		input := append(bytes.Repeat([]byte("function(a){return a+1};"), (5<<20)/24), tok...)
		got := scanAll(t, bytes.NewReader(input))
		if len(got) != 1 || got[0].Line != 1 || got[0].Column != len(input)-len(tok)+1 {
			t.Fatalf("got %s", describe(got))
		}
	})
	t.Run("huge word runs around tokens", func(t *testing.T) {
		// The first token is glued to a long run, so it is no token; the second stands alone.
		input := append(bytes.Repeat([]byte("A"), 200<<10), ' ')
		input = append(input, tok...)
		input = append(input, bytes.Repeat([]byte("B"), 100<<10)...)
		input = append(input, ' ')
		input = append(input, tok...)
		got := scanAll(t, &chunkReader{data: input, sizes: []int{7000, 65536, 3}})
		if len(got) != 1 || got[0].Offset != int64(len(input)-len(tok)) {
			t.Fatalf("got %s", describe(got))
		}
	})
}

// TestAgainstReference compares the fast matcher with the naive one on
// generated inputs dense in near-tokens, in whole and in pieces.
func TestAgainstReference(t *testing.T) { forEachImpl(t, testAgainstReference) }

func testAgainstReference(t *testing.T) {
	src := tokentest.New(6)
	rnd := rand.New(rand.NewPCG(6, 7))
	pieces := []func() string{
		src.API, src.TP, src.TPBadChecksum,
		func() string { return src.API()[:34] },
		func() string { return src.API() + "x" },
		func() string { return "_" + src.API() },
		func() string { return tokentest.Placeholder('z') },
		func() string { return src.Alnum(20) },
		func() string { return "cio" + src.Alnum(rnd.IntN(40)) }, // 0 to 39: near misses around 32
		func() string { return "cio_tp_" + src.Alnum(28+rnd.IntN(8)) },
		func() string { return " " }, func() string { return "\n" }, func() string { return "+" },
		func() string { return "/" }, func() string { return "=" }, func() string { return "\"" },
	}
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for j := 0; j < 1+rnd.IntN(40); j++ {
			b.WriteString(pieces[rnd.IntN(len(pieces))]())
		}
		input := []byte(b.String())
		want := describe(detect.Reference(input))
		if got := describe(detect.Find(input)); got != want {
			t.Fatalf("Find on %q:\n got %s\nwant %s", input, got, want)
		}
		if got := describe(scanAll(t, &chunkReader{data: input, sizes: []int{1 + i%50, 3, 64}})); got != want {
			t.Fatalf("Scan on %q:\n got %s\nwant %s", input, got, want)
		}
	}
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct {
	pattern []byte
	left    int64
	pos     int
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && int64(n) < r.left {
		c := copy(p[n:], r.pattern[r.pos:])
		if int64(n+c) > r.left {
			c = int(r.left) - n
		}
		n += c
		r.pos = (r.pos + c) % len(r.pattern)
	}
	r.left -= int64(n)
	return n, nil
}

// TestMemoryDoesNotGrow scans 16 MiB and 128 MiB of one line full of
// near-tokens and checks that the bytes allocated stay small and do not grow
// with the input.
func TestMemoryDoesNotGrow(t *testing.T) {
	if testing.Short() {
		t.Skip("scans 144 MiB")
	}
	tok := tokentest.New(7).API()
	allocated := func(size int64) uint64 {
		var sc detect.Scanner
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		found := 0
		err := sc.Scan(&patternReader{pattern: []byte("x=" + tok + "_;y=" + tok[:34] + ";z=abcdefghij.k(1);"), left: size}, func(detect.Match) { found++ })
		runtime.ReadMemStats(&after)
		if err != nil || found != 0 {
			t.Fatalf("scan of %d bytes: err %v, %d found", size, err, found)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := allocated(16<<20), allocated(128<<20)
	if large > 1<<20 || large > small+64<<10 {
		t.Fatalf("allocated %d bytes for 16 MiB and %d for 128 MiB: memory grows with input", small, large)
	}
}

func TestTrustedPublishingChecksum(t *testing.T) {
	if !detect.ValidTrustedPublishing([]byte("cio_tp_" + "gGK6jurSwKyl9V3Az19z7YEFQI9aoOOd")) {
		t.Error("crates.io's valid test vector rejected")
	}
	if detect.ValidTrustedPublishing([]byte("cio_tp_" + strings.Repeat("0", 32))) {
		t.Error("crates.io's invalid-checksum vector accepted")
	}
	if got := detect.TrustedPublishingChecksum([]byte(strings.Repeat("0", 31))); got != 'w' {
		t.Errorf("checksum of 31 zeros = %q, want 'w'", got)
	}
}

func TestPlaceholderRateOnRandomBodies(t *testing.T) {
	src := tokentest.New(8)
	flagged := 0
	for i := 0; i < 100000; i++ {
		if detect.IsPlaceholder([]byte(src.Alnum(32))) {
			flagged++
		}
	}
	if flagged != 0 {
		t.Fatalf("%d of 100000 random bodies called placeholders", flagged)
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestFailedReadStillScansWhatArrived: a connection reset mid-body must not
// hide the token that came before it.
func TestFailedReadStillScansWhatArrived(t *testing.T) {
	tok := tokentest.New(12).API()
	boom := fmt.Errorf("connection reset by peer")
	var sc detect.Scanner
	var got []detect.Match
	err := sc.Scan(&failingReader{data: []byte("x='" + tok + "'"), err: boom}, func(m detect.Match) { got = append(got, m) })
	if err != boom || len(got) != 1 {
		t.Fatalf("err %v, %d matches; want the read error and the token", err, len(got))
	}
}

// TestRunsAcrossBlocks puts word runs of every length from 30 to 70 at
// every offset across the 64-byte blocks of the AVX2 scan, some of them
// tokens, and compares with the reference matcher.
func TestRunsAcrossBlocks(t *testing.T) { forEachImpl(t, testRunsAcrossBlocks) }

func testRunsAcrossBlocks(t *testing.T) {
	src := tokentest.New(13)
	for n := 30; n <= 70; n++ {
		for off := 0; off < 140; off++ {
			buf := bytes.Repeat([]byte{'.'}, 256)
			run := []byte(src.Alnum(n))
			if n == 35 {
				run = []byte(src.API())
			} else if n == 39 {
				run = []byte(src.TP())
			}
			copy(buf[off:], run)
			if off%7 == 0 {
				buf[off+n] = 'x' // sometimes glued to a longer run
			}
			got, want := describe(detect.Find(buf)), describe(detect.Reference(buf))
			if got != want {
				t.Fatalf("run of %d at %d: got %s want %s", n, off, got, want)
			}
		}
	}
}

// TestUTF16Columns: SARIF counts columns in UTF-16 code units, so a line
// with "é" (2 bytes, 1 unit), "…" (3 bytes, 1 unit) and a crab (4 bytes, 2
// units) before a token has different byte and UTF-16 columns.
func TestUTF16Columns(t *testing.T) {
	tok := tokentest.New(70).API()
	line := "// Café … 🦀 token: " // 19 characters, 20 UTF-16 units, 25 bytes
	in := "first line\n" + line + tok + "\n"
	check := func(name string, ms []detect.Match) {
		t.Helper()
		if len(ms) != 1 || ms[0].Line != 2 || ms[0].Column != len(line)+1 || ms[0].Column16 != 21 || ms[0].Length != len(tok) {
			t.Errorf("%s: %s, want line 2, byte column %d, UTF-16 column 21", name, describe(ms), len(line)+1)
		}
	}
	check("Find", detect.Find([]byte(in)))
	check("Scan, one byte at a time", scanAll(t, iotest.OneByteReader(strings.NewReader(in))))
	enc := "first line\n" + line + `"\u0063` + tok[1:] + `"` + "\n"
	var got []detect.Match
	d := detect.NewDecoder(func(m detect.Match) { got = append(got, m) })
	d.Write([]byte(enc))
	d.Close()
	if len(got) != 1 || got[0].Column16 != 22 || got[0].Column != len(line)+2 || got[0].Length != len(tok)+5 {
		t.Errorf("decoder: %+v, want UTF-16 column 22 and the escaped length", got)
	}
}
