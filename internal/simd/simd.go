// Package simd holds the byte searches on the scanning hot path: AVX2
// assembly where the CPU has it, portable Go everywhere else, with the
// same results. Each assembly search examines positions 32 at a time and
// leaves a tail of under 34 bytes to the portable code.
package simd

import (
	"bytes"
	"math"
	"math/bits"
)

// Cio returns the first index of "cio" in data, or -1.
func Cio(data []byte) int {
	i, checked := indexCio(data)
	if i >= 0 {
		return i
	}
	if j := bytes.Index(data[checked:], []byte("cio")); j >= 0 {
		return checked + j
	}
	return -1
}

// IndexHigh returns the first index of a byte >= 0x80 (the start of
// UTF-8 text beyond ASCII), or -1.
func IndexHigh(data []byte) int {
	i, checked := indexHigh(data)
	if i >= 0 {
		return i
	}
	for i := checked; i < len(data); i++ {
		if data[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// CallQuote returns the first i where data[i] is ( and data[i+1] a quote
// (" ' `): a call whose first argument is a string literal, as in
// fetch("/api/settings"). Or -1.
func CallQuote(data []byte) int {
	i, checked := indexCallQuote(data)
	if i >= 0 {
		return i
	}
	for i := checked; i+1 < len(data); i++ {
		if data[i] == '(' && (data[i+1] == '"' || data[i+1] == '\'' || data[i+1] == '`') {
			return i
		}
	}
	return -1
}

// Lines counts data's newlines in one pass and says where the text after
// the last is ASCII: n newlines, the last at index last (-1: none), and no
// byte >= 0x80 in data[ascii:]. When ascii <= last+1, the text after the
// last newline has as many UTF-16 units as bytes, with no second look.
// (ascii is exact to within 128 bytes, and len(data) where it is not known.)
func Lines(data []byte) (n, last, ascii int) {
	n, nlBlock, highBlock, checked := lines(data)
	tail := data[checked:]
	n += bytes.Count(tail, []byte{'\n'})
	switch i := LastNewline(tail); {
	case i >= 0:
		last = checked + i
	case nlBlock >= 0:
		last = nlBlock + bytes.LastIndexByte(data[nlBlock:nlBlock+128], '\n')
	default:
		last = -1
	}
	if highBlock >= 0 {
		ascii = highBlock + 128
	}
	if len(tail) >= 128 { // not searched by blocks: the portable code
		if IndexHigh(tail) >= 0 {
			ascii = len(data)
		}
		return n, last, ascii
	}
	for i := len(tail) - 1; i >= 0; i-- {
		if tail[i] >= 0x80 {
			return n, last, checked + i + 1
		}
	}
	return n, last, ascii
}

// LastNewline is bytes.LastIndexByte(b, '\n') at vector speed: the
// standard one walks back a byte at a time, which on minified code (lines
// of megabytes) is a scan of the whole line. Short lines end near the end:
// the last 128 bytes are walked back first.
func LastNewline(b []byte) int {
	tail := max(len(b)-128, 0)
	if i := bytes.LastIndexByte(b[tail:], '\n'); i >= 0 {
		return tail + i
	}
	for end := tail; end > 0; {
		start := max(end-4096, 0)
		blk := b[start:end]
		i := bytes.IndexByte(blk, '\n')
		if i >= 0 {
			for {
				j := bytes.IndexByte(blk[i+1:], '\n')
				if j < 0 {
					return start + i
				}
				i += j + 1
			}
		}
		end = start
	}
	return -1
}

// Patterns is a set of three-byte patterns prepared for Index3.
type Patterns struct {
	pats [][3]byte
	vecs []byte // each byte of each pattern repeated 32 times
	head [256]bool
	// by[k][c] has bit j set when pattern j has byte c at position k.
	by [3][256]uint64
	// tabs are the Teddy tables: for each of the three bytes, the bucket
	// bits of each low nibble, then of each high nibble (16 bytes, twice).
	// The first two bytes filter; the third confirms, in the few 64-byte
	// blocks the filter passes.
	tabs  [6][32]byte
	teddy bool
}

// NewPatterns prepares three-byte patterns (at most 64), grouped into
// Teddy's eight buckets by their first two bytes (see buckets).
func NewPatterns(pats ...[3]byte) *Patterns {
	return newPatterns(pats, buckets(pats))
}

// NewGrouped prepares three-byte patterns (at most 64) in the buckets
// given (at most 8): a caller that knows which groups admit the fewest
// byte triples that are no pattern in the text it searches does better
// than buckets' guess from nibble counts.
func NewGrouped(groups ...[]string) *Patterns {
	if len(groups) > 8 {
		panic("simd: more than 8 buckets")
	}
	var pats [][3]byte
	bs := make([][][3]byte, len(groups))
	for b, g := range groups {
		for _, s := range g {
			if len(s) != 3 {
				panic("simd: a pattern is three bytes: " + s)
			}
			pat := [3]byte{s[0], s[1], s[2]}
			pats = append(pats, pat)
			bs[b] = append(bs[b], pat)
		}
	}
	return newPatterns(pats, bs)
}

func newPatterns(pats [][3]byte, groups [][][3]byte) *Patterns {
	if len(pats) > 64 {
		panic("simd: more than 64 patterns")
	}
	p := &Patterns{pats: pats}
	ascii := true
	for j, pat := range pats {
		for k, c := range pat {
			p.by[k][c] |= 1 << j
			ascii = ascii && c < 0x80
		}
		p.head[pat[0]] = true
		for _, c := range pat {
			for range 32 {
				p.vecs = append(p.vecs, c)
			}
		}
	}
	for b, group := range groups {
		for _, pat := range group {
			for k, c := range pat {
				for lane := 0; lane < 32; lane += 16 {
					p.tabs[2*k][lane+int(c&15)] |= 1 << b
					p.tabs[2*k+1][lane+int(c>>4)] |= 1 << b
				}
			}
		}
	}
	// The kernel looks low nibbles up unmasked: a byte >= 0x80 finds
	// nothing, which is right only when no pattern has one.
	p.teddy = len(pats) > 1 && ascii
	return p
}

// buckets groups patterns by their first two bytes (Teddy's filter), at
// most 8 groups. Beyond 8, it merges the two groups whose nibbles admit
// the fewest byte pairs that are neither's: x6 and X6 (0x78, 0x58) admit
// only themselves; c and j (0x63, 0x6a) with i and a would admit "ca".
func buckets(pats [][3]byte) [][][3]byte {
	var groups [][][3]byte
	index := map[[2]byte]int{}
	for _, pat := range pats {
		head := [2]byte{pat[0], pat[1]}
		g, ok := index[head]
		if !ok {
			g = len(groups)
			index[head] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], pat)
	}
	admits := func(group [][3]byte) int {
		var nib [4]uint16
		for _, pat := range group {
			for k := range 2 {
				nib[2*k] |= 1 << (pat[k] & 15)
				nib[2*k+1] |= 1 << (pat[k] >> 4)
			}
		}
		n := 1
		for _, m := range nib {
			n *= bits.OnesCount16(m)
		}
		return n
	}
	for len(groups) > 8 {
		bi, bj, best := 0, 1, math.MaxInt
		for i := range groups {
			for j := i + 1; j < len(groups); j++ {
				merged := append(append([][3]byte{}, groups[i]...), groups[j]...)
				if cost := admits(merged) - admits(groups[i]) - admits(groups[j]); cost < best {
					bi, bj, best = i, j, cost
				}
			}
		}
		groups[bi] = append(groups[bi], groups[bj]...)
		groups = append(groups[:bj], groups[bj+1:]...)
	}
	return groups
}

// Index3 returns the first index where one of the patterns occurs, or -1.
func (p *Patterns) Index3(data []byte) int {
	var i, checked int
	if p.teddy {
		// Teddy names candidates; a shared bucket can name a few that
		// are no pattern.
		for from := 0; ; {
			j, c := teddy(data[from:], &p.tabs)
			if j < 0 {
				i, checked = -1, from+c
				break
			}
			if p.At(data, from+j) {
				return from + j
			}
			from += j + 1
		}
	} else {
		i, checked = index3(data, p.vecs)
	}
	if i >= 0 {
		return i
	}
	for i := checked; i+3 <= len(data); i++ {
		if p.head[data[i]] && p.Which(data, i) != 0 {
			return i
		}
	}
	return -1
}

// At reports whether one of the patterns starts at data[i] (data[i:i+3]
// must exist): for callers that walk dense stretches one byte at a time,
// where setting up a vector search per match would cost more.
func (p *Patterns) At(data []byte, i int) bool {
	return p.Which(data, i) != 0
}

// Which returns the patterns that start at data[i] (data[i:i+3] must
// exist), as a set: bit j for the j-th pattern given.
func (p *Patterns) Which(data []byte, i int) uint64 {
	return p.by[0][data[i]] & p.by[1][data[i+1]] & p.by[2][data[i+2]]
}

var assetTerm, assetPair [256]bool

func init() {
	for _, c := range []byte("\"'`?#)=") {
		assetTerm[c] = true
	}
	for _, c := range []byte("jsaoRm") {
		assetPair[c] = true
	}
}

// AssetEnd returns the first i where data[i:i+2] is "js", "ss", "ap", "on",
// "RL" or "ml" and data[i+2] is one of " ' ` ? # ) =: where a quoted path
// to a script, stylesheet, source map, JSON file or page (.html) may end,
// or "sourceMappingURL=" does. Or -1.
func AssetEnd(data []byte) int {
	i, checked := indexAssetEnd(data)
	if i >= 0 {
		return i
	}
	for i := checked; i+3 <= len(data); i++ {
		if !assetTerm[data[i+2]] || !assetPair[data[i]] {
			continue
		}
		switch string(data[i : i+2]) {
		case "js", "ss", "ap", "on", "RL", "ml":
			return i
		}
	}
	return -1
}
