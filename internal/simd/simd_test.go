package simd

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cratesguard/cratesguard/internal/benchcorpus"
)

// each runs f with the assembly searches on (where the CPU has them) and off.
func each(t *testing.T, f func(t *testing.T)) {
	modes := []bool{false}
	if AVX2 {
		modes = append(modes, true)
	}
	for _, on := range modes {
		old := AVX2
		AVX2 = on
		f(t)
		AVX2 = old
	}
}

func randomText(r *rand.Rand, n int, alphabet string) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

func naive(data []byte, match func(i int) bool) int {
	for i := 0; i+3 <= len(data); i++ {
		if match(i) {
			return i
		}
	}
	return -1
}

func TestSearchesAgreeWithNaive(t *testing.T) {
	each(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		pats := NewPatterns([3]byte{'c', 'i', 'o'}, [3]byte{'0', '6', '3'}, [3]byte{'Y', '2', 'l'})
		// Nine patterns with nine different first pairs: two buckets merge.
		nine := []string{"cio", "063", "x63", "X63", "%63", "#99", "Y2l", "Npb", "jaW"}
		var ninePats [][3]byte
		for _, p := range nine {
			ninePats = append(ninePats, [3]byte{p[0], p[1], p[2]})
		}
		many := NewPatterns(ninePats...)
		// A pattern beyond ASCII: the vector search is not used for it.
		high := NewPatterns([3]byte{'c', 'i', 'o'}, [3]byte{0xc3, 0xa9, 'o'})
		if high.teddy || !many.teddy {
			t.Fatalf("teddy: %v for a pattern beyond ASCII, %v for nine ASCII ones", high.teddy, many.teddy)
		}
		for n := 0; n < 400; n++ {
			data := randomText(r, n, "cio063Y2ljsapnRLmxX%#9NpbaW\"'`?#)=.( ")
			if n%5 == 0 && n > 0 { // now and then a byte beyond ASCII, anywhere
				data[r.IntN(n)] = byte(0x80 + r.IntN(0x80))
			}
			if n%7 == 0 && n > 3 {
				copy(data[r.IntN(n-2):], "\xc3\xa9o")
			}
			for from := 0; from <= len(data); from += 1 + n/7 {
				d := data[from:]
				if got, want := Cio(d), naive(d, func(i int) bool { return string(d[i:i+3]) == "cio" }); got != want {
					t.Fatalf("Cio: len %d: %d, want %d", len(d), got, want)
				}
				if got, want := pats.Index3(d), naive(d, func(i int) bool {
					s := string(d[i : i+3])
					return s == "cio" || s == "063" || s == "Y2l"
				}); got != want {
					t.Fatalf("Index3: len %d: %d, want %d", len(d), got, want)
				}
				if got, want := many.Index3(d), naive(d, func(i int) bool { return slices.Contains(nine, string(d[i:i+3])) }); got != want {
					t.Fatalf("Index3 (nine): len %d: %d, want %d", len(d), got, want)
				}
				if got, want := high.Index3(d), naive(d, func(i int) bool {
					s := string(d[i : i+3])
					return s == "cio" || s == "\xc3\xa9o"
				}); got != want {
					t.Fatalf("Index3 (beyond ASCII): len %d: %d, want %d", len(d), got, want)
				}
				wantHigh := -1
				for i, c := range d {
					if c >= 0x80 {
						wantHigh = i
						break
					}
				}
				if got, want := CallQuote(d), naive(append(d[:len(d):len(d)], ' '), func(i int) bool {
					return i+1 < len(d) && d[i] == '(' && (d[i+1] == '"' || d[i+1] == '\'' || d[i+1] == '`')
				}); got != want {
					t.Fatalf("CallQuote (AVX2 %v): len %d: %d, want %d", AVX2, len(d), got, want)
				}
				if got := IndexHigh(d); got != wantHigh {
					t.Fatalf("IndexHigh (AVX2 %v): len %d: %d, want %d", AVX2, len(d), got, wantHigh)
				}
				if got, want := AssetEnd(d), naive(d, func(i int) bool {
					switch string(d[i : i+2]) {
					case "js", "ss", "ap", "on", "RL", "ml":
						switch d[i+2] {
						case '"', '\'', '`', '?', '#', ')', '=':
							return true
						}
					}
					return false
				}); got != want {
					t.Fatalf("AssetEnd (AVX2 %v): len %d: %d, want %d", AVX2, len(d), got, want)
				}
			}
		}
	})
}

// BenchmarkIndex3 is a candidate search of nine patterns (the decoder's before issue 22) over
// real minified JavaScript: Teddy against the compare-and-AND chains it
// replaced, in the same run.
func BenchmarkIndex3(b *testing.B) {
	if !AVX2 {
		b.Skip("no AVX2")
	}
	data := benchcorpus.Tiled(b, 64<<20)
	pats := [][3]byte{{'c', 'i', 'o'}, {'0', '6', '3'}, {'x', '6', '3'}, {'X', '6', '3'}, {'%', '6', '3'}, {'#', '9', '9'},
		{'Y', '2', 'l'}, {'N', 'p', 'b'}, {'j', 'a', 'W'}}
	for _, c := range []struct {
		name  string
		teddy bool
	}{{"compare-chains", false}, {"teddy", true}} {
		p := NewPatterns(pats...)
		p.teddy = c.teddy
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				for from := 0; ; {
					i := p.Index3(data[from:])
					if i < 0 {
						break
					}
					from += i + 1
				}
			}
		})
	}
}

// TestLastNewline checks the line-start search against the standard one,
// with the last newline near the end, a block back, several blocks back,
// or absent.
func TestLastNewline(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 129, 4095, 4096, 4097, 4224, 4225, 20000} {
		for _, at := range []int{-1, 0, n / 3, n - 200, n - 129, n - 128, n - 127, n - 1} {
			b := bytes.Repeat([]byte{'a'}, n)
			if at >= 0 && at < n {
				b[at] = '\n'
				if at > 10 {
					b[at-10] = '\n' // an earlier one, not the answer
				}
			}
			if got, want := LastNewline(b), bytes.LastIndexByte(b, '\n'); got != want {
				t.Fatalf("len %d, newline at %d: %d, want %d", n, at, got, want)
			}
		}
	}
}

// TestLines checks the one-pass line count against the standard searches:
// newlines and bytes beyond ASCII at random, dense or sparse, near block
// edges, in lengths around the 128-byte blocks and past 127 blocks (where
// the lane counts are summed).
func TestLines(t *testing.T) {
	each(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 129, 255, 256, 257, 127*128 - 1, 127 * 128, 127*128 + 1, 255 * 128, 40000, 100000} {
			for _, density := range []int{0, 1, 3, 50, 5000, -1} {
				b := bytes.Repeat([]byte{'a'}, n)
				if density < 0 { // every byte a newline: each lane counts one a block
					b = bytes.Repeat([]byte{'\n'}, n)
				}
				for range density {
					if n > 0 {
						b[r.IntN(n)] = "\n\n\xc3\xa9\xf0"[r.IntN(5)]
					}
				}
				if density == 1 && n > 0 { // one newline, one high byte, at the ends
					b[0], b[n-1] = '\n', 0xe2
				}
				gotN, gotLast, gotASCII := Lines(b)
				wantN, wantLast := bytes.Count(b, []byte{'\n'}), bytes.LastIndexByte(b, '\n')
				lastHigh := -1
				for i, c := range b {
					if c >= 0x80 {
						lastHigh = i
					}
				}
				if gotN != wantN || gotLast != wantLast {
					t.Fatalf("AVX2 %v, len %d, density %d: %d newlines, last %d; want %d, %d", AVX2, n, density, gotN, gotLast, wantN, wantLast)
				}
				// No high byte at or after ascii, and ascii within 128 of the
				// last one's end where the blocks found it.
				if gotASCII <= lastHigh || gotASCII > len(b) || AVX2 && gotASCII > lastHigh+1+128 {
					t.Fatalf("AVX2 %v, len %d, density %d: ascii from %d, last high byte at %d", AVX2, n, density, gotASCII, lastHigh)
				}
			}
		}
	})
}

// BenchmarkLines is the line count of one block in the cache (256 KiB of
// real minified JavaScript, as the scan of a large file counts it): one
// pass of Lines against the two it replaced, bytes.Count and a search for
// bytes beyond ASCII, in the same run.
func BenchmarkLines(b *testing.B) {
	blk := benchcorpus.Tiled(b, 256<<10)[:256<<10]
	b.Run("lines", func(b *testing.B) {
		b.SetBytes(int64(len(blk)))
		for b.Loop() {
			Lines(blk)
		}
	})
	b.Run("count-then-high", func(b *testing.B) {
		b.SetBytes(int64(len(blk)))
		for b.Loop() {
			bytes.Count(blk, []byte{'\n'})
			for from := 0; ; {
				i := IndexHigh(blk[from:])
				if i < 0 {
					break
				}
				from += i + 1
			}
		}
	})
}

// TestGroupedAgreesWithNaive checks patterns in buckets given by the
// caller (NewGrouped), more than 32 of them, with NULs, backslashes and
// line ends among their bytes, against the naive search; and Which names
// the pattern found.
func TestGroupedAgreesWithNaive(t *testing.T) {
	groups := [][]string{
		{"cio", "\x00i\x00"}, {"\\x6", "\\14", "\\15", "\\00", "\\06", "\\63", "\\69", "\\6f", "\\6F"},
		{"&#0", "&#1", "&#9", "&#x", "&#X"}, {"Npb", "Np\n", "Np\r", `Np\`, "H4s"}, {"jaW", "j\na", "j\n ", "j\r\n", `j\n`},
		{"Y2l", "96f", "96F"}, {"u00", "u{6", "u{0"}, {"%63", "%69", "%6f", "%6F", "%25"},
	}
	var all []string
	for _, g := range groups {
		all = append(all, g...)
	}
	p := NewGrouped(groups...)
	each(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for n := 0; n < 600; n++ {
			data := randomText(r, n, "cio\x00\\x614503Y2lNpbH4jaW\n\r9fFu{&#X%25 ")
			for from := 0; from <= len(data); from += 1 + n/5 {
				d := data[from:]
				want := naive(d, func(i int) bool { return slices.Contains(all, string(d[i:i+3])) })
				if got := p.Index3(d); got != want {
					t.Fatalf("Index3 (AVX2 %v): len %d: %d, want %d", AVX2, len(d), got, want)
				}
				if want >= 0 {
					if m := p.Which(d, want); m != 1<<slices.Index(all, string(d[want:want+3])) {
						t.Fatalf("Which(%q) = %b", d[want:want+3], m)
					}
				}
			}
		}
	})
}
