package detect

import (
	"math/bits"
	"slices"
	"sort"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// Decoder finds tokens that the matcher cannot see because they are
// written some other way: under an escape, an encoding or a split. Each
// way is a decoding (see decodings), a small type in a file of its own;
// the Decoder gives them the input, finds where each may apply, and
// reports what they find. It is written to like an io.Writer, in any
// pieces, and reports each token found only under an encoding: a token
// whose plain text the Scanner already sees at the same place is not
// reported again. A decoded token must hold its own boundaries in the
// decoded text, so random base64 or hex (images, fonts, digests) does not
// produce findings.
//
// Memory is bounded by the window, and time is linear in the input
// whatever it holds: work is spent only where a rare pattern (a trigger,
// see candidates) says an encoded token may start, and each decoding
// decodes a stretch of text once, however many triggers it holds: 64 MB
// of %63 or Y2l costs a few times what plain text does.
type Decoder struct {
	fn     func(Match)
	buf    []byte
	base   int64 // absolute offset of buf[0]
	line   int   // line at buf[0]
	lnBase int64 // absolute offset of that line's first byte
	adj    int   // bytes minus UTF-16 units from lnBase to buf[0]
	// done is the absolute offset before which candidates are decided.
	done int64
	// decs are this Decoder's decodings, each with its own state, and
	// byTrigger those woken by each pattern of candidates.
	decs      []decoding
	byTrigger [][]decoding
	// Scratch space reused across candidates.
	dec  []byte
	ends []int // source end of each decoded unit
	// cursor caches line counting for report: buf[:curPos] holds curLines
	// newlines; the last one ends at curLnBase (absolute), and curAdj is
	// bytes minus UTF-16 units after it.
	curPos, curLines, curAdj int
	curLnBase                int64
	// marks are known states inside buf (in place: the blocks' starts),
	// for the cursor to go back to instead of buf's start.
	marks []Start
	// cands, when set, lists where the patterns start in buf, in order, as
	// far as buf goes: the vector search is then a look-up (see InPlace).
	cands []int32
	// lastAt is the last report's place.
	lastAt int64
	// head is the input's first two bytes, where a byte order mark is.
	head  [2]byte
	headN int
	// followers are decodings reading on past the buffer.
	followers []follower
	// notes say where a decoding stopped at a limit (see Notes).
	notes []string
	// goesOn says the input goes on past the buffer's final end (it is
	// one window of a larger input, see InPlace.GoesOn).
	goesOn bool
}

// A decoding is one way of writing a token that the matcher cannot see:
// JavaScript's escapes, base64, UTF-16, a string split in two… Each is a
// small type in a file of its own, with its tests beside it; adding a
// way adds a file and a line in decodings.
type decoding interface {
	// triggers are three-byte patterns, rare in real text, one of which
	// starts within a few bytes of every token so written. The vector
	// search stops at each (candidates lists them all).
	triggers() []string
	// try decides the candidate at d.buf[k], where one of its triggers
	// starts (d.buf[k:k+3] is the trigger); final says no more input
	// follows d.buf. It reports through d.report what it finds, and
	// returns where the next candidate may be: k+1, or past a stretch
	// it decoded whole that no other decoding's trigger can hold a token
	// in (the inside of a base64 run).
	try(d *Decoder, k int, final bool) int
	// reset readies it for a new input.
	reset()
}

// A follower is a decoding that, once triggered, reads on past the
// buffer (a payload it must have whole): it is handed each new stretch
// of input until it says it is done.
type follower interface {
	// follow reads what it wants of d.buf from where it stopped; it
	// returns false once it wants no more. With final, nothing follows.
	follow(d *Decoder, final bool) bool
}

// decodings makes a Decoder's decodings, each with fresh state.
func decodings() []decoding {
	return []decoding{newEscapes(), &concats{}, &base64s{}, &hexes{}, &utf16s{}, &gzips{}}
}

// NewDecoder returns a Decoder that calls fn for each encoded token.
func NewDecoder(fn func(Match)) *Decoder {
	d := &Decoder{}
	d.Reset(fn)
	return d
}

// Reset readies the Decoder for a new input, keeping its buffers.
func (d *Decoder) Reset(fn func(Match)) {
	decs, byTrigger := d.decs, d.byTrigger
	if decs == nil {
		decs = decodings()
		byTrigger = make([][]decoding, len(triggerList))
		for _, dc := range decs {
			for _, t := range dc.triggers() {
				j, ok := triggerIndex[t]
				if !ok {
					panic("detect: trigger " + t + " is in no bucket of candidates")
				}
				byTrigger[j] = append(byTrigger[j], dc)
			}
		}
	}
	*d = Decoder{fn: fn, line: 1, buf: d.buf[:0], dec: d.dec[:0], ends: d.ends[:0], marks: d.marks[:0],
		decs: decs, byTrigger: byTrigger, lastAt: -1, followers: d.followers[:0], notes: d.notes[:0]}
	for _, dc := range decs {
		dc.reset()
	}
}

// Notes says where a decoding stopped at one of its limits in the input
// so far (a payload too large to decode whole): a few sentences, each
// said once.
func (d *Decoder) Notes() []string { return d.notes }

// maxNotes bounds the notes kept for one input.
const maxNotes = 8

// note records a limit hit, once.
func (d *Decoder) note(s string) {
	if len(d.notes) < maxNotes && !slices.Contains(d.notes, s) {
		d.notes = append(d.notes, s)
	}
}

// Write adds input.
func (d *Decoder) Write(p []byte) (int, error) {
	d.keepHead(p)
	d.buf = append(d.buf, p...)
	if len(d.buf) >= decWindow {
		d.process(false)
	}
	return len(p), nil
}

// keepHead keeps the input's first two bytes.
func (d *Decoder) keepHead(p []byte) {
	for ; d.headN < 2 && len(p) > 0; p = p[1:] {
		d.head[d.headN] = p[0]
		d.headN++
	}
}

// bom names the byte order the input's byte order mark says, if any.
func (d *Decoder) bom() string {
	switch {
	case d.headN < 2:
	case d.head == [2]byte{0xff, 0xfe}:
		return EncUTF16LE
	case d.head == [2]byte{0xfe, 0xff}:
		return EncUTF16BE
	}
	return ""
}

// Close decides what remains.
func (d *Decoder) Close() error {
	d.process(true)
	return nil
}

const (
	decWindow  = 64 << 10 // bytes gathered before a pass
	decTail    = 2048     // bytes kept undecided at the end: an expression a token is split across (concatReach)
	decContext = 64       // bytes kept before them: the units before a token, a base64 run's start
	// nearBytes is how far past a candidate the next is looked for one
	// byte at a time.
	nearBytes = 64
)

// process handles the candidates in buf; without final it leaves the last
// decTail bytes for the next write.
func (d *Decoder) process(final bool) {
	b := d.buf
	limit := len(b)
	if !final {
		limit = max(len(b)-decTail, 0)
	}
	d.curPos, d.curLines, d.curAdj, d.curLnBase = 0, 0, d.adj, d.lnBase
	d.candidates(limit, final)
	if final {
		// Everything is decided: nothing is kept, and no line is asked
		// for again (counting them would be a pass over it all).
		d.base += int64(len(b))
		d.buf = b[:0]
		return
	}
	keep := max(limit-decContext, 0)
	// Count lines in what is dropped, then shift the kept tail down.
	n, lineStart, adj := lines(b[:keep], d.base)
	if n > 0 {
		d.line, d.lnBase, d.adj = d.line+n, lineStart, 0
	}
	d.adj += adj
	d.base += int64(keep)
	d.buf = append(d.buf[:0], b[keep:]...)
}

// candidates decides the candidates in buf before limit.
func (d *Decoder) candidates(limit int, final bool) {
	d.follow(final)
	b := d.buf
	if c := d.cands; c != nil {
		from := max(int(d.done-d.base), 0)
		i := sort.Search(len(c), func(i int) bool { return int(c[i]) >= from })
		for next := from; i < len(c) && int(c[i]) < limit; i++ {
			if k := int(c[i]); k >= next && k+3 <= len(b) {
				next = d.candidate(candidates.Which(b, k), k, final)
			}
		}
		d.done = d.base + int64(limit)
		d.follow(final)
		return
	}
	for from := max(int(d.done-d.base), 0); from < limit; {
		i := candidates.Index3(b[from:min(limit+2, len(b))])
		if i < 0 {
			break
		}
		k := from + i
		// Candidates come in clusters: the next nearBytes are walked one
		// by one, which costs less than a vector search per candidate when
		// they are dense (64 MB of %63).
		last := min(limit, len(b)-2) // a pattern needs three bytes
		for stop := k + 1; k < stop && k < last; k++ {
			if m := candidates.Which(b, k); m != 0 {
				k = d.candidate(m, k, final) - 1
				stop = k + 2 + nearBytes
			}
		}
		from = max(k, from+i+1)
	}
	d.done = d.base + int64(limit)
	d.follow(final)
}

// candidate hands the candidate at buf[k], where the patterns m start,
// to the decodings they wake, and returns where the next candidate may be.
func (d *Decoder) candidate(m uint64, k int, final bool) int {
	next := k + 1
	for ; m != 0; m &= m - 1 {
		for _, dc := range d.byTrigger[bits.TrailingZeros64(m)] {
			next = max(next, dc.try(d, k, final))
		}
	}
	return next
}

// follow hands the followers what the buffer holds past where each
// stopped.
func (d *Decoder) follow(final bool) {
	fs := d.followers[:0]
	for _, f := range d.followers {
		if f.follow(d, final) {
			fs = append(fs, f)
		}
	}
	d.followers = fs
}

// startFollowing makes f a follower until it says it is done.
func (d *Decoder) startFollowing(f follower) {
	if !slices.Contains(d.followers, f) {
		d.followers = append(d.followers, f)
	}
}

// report maps a match in decoded text back to buf position pos. A place
// holds one token: the first decoding to find one there is reported, and
// no other (JavaScript's octal \061 is CSS's \061, another character: a
// token with a digit so escaped is JavaScript's).
func (d *Decoder) report(m Match, pos int, enc string) {
	m.Encoding = enc
	m.Offset = d.base + int64(pos)
	if m.Offset == d.lastAt {
		return
	}
	d.lastAt = m.Offset
	m.Line, m.Column, m.Column16 = d.place(pos)
	d.fn(m)
}

// emit reports a match whose place is set already.
func (d *Decoder) emit(m Match) { d.fn(m) }

// place returns the line and columns of buf position pos.
func (d *Decoder) place(pos int) (line, col, col16 int) {
	at := d.base + int64(pos)
	if pos < d.curPos {
		d.curPos, d.curLines, d.curAdj, d.curLnBase = 0, 0, d.adj, d.lnBase
	}
	// Count from the nearest known state: the cursor, or a mark between
	// it and pos.
	for i := len(d.marks) - 1; i >= 0; i-- {
		if mk := d.marks[i]; mk.Offset <= at {
			if p := int(mk.Offset - d.base); p > d.curPos {
				d.curPos, d.curLines, d.curAdj, d.curLnBase = p, mk.Line-d.line, mk.Adj, mk.LineStart
			}
			break
		}
	}
	n, lineStart, adj := lines(d.buf[d.curPos:pos], d.base+int64(d.curPos))
	if n > 0 {
		d.curLines, d.curLnBase, d.curAdj = d.curLines+n, lineStart, 0
	}
	d.curAdj += adj
	d.curPos = pos
	col = int(at-d.curLnBase) + 1
	return d.line + d.curLines, col, col - d.curAdj
}

// plainHit reports whether the Scanner sees tok as plain text at buf[pos]:
// the same bytes with word boundaries (reported, or rejected as part of a
// base64 blob, either way not ours to report).
func (d *Decoder) plainHit(pos int, tok string) bool {
	b := d.buf
	end := pos + len(tok)
	return end <= len(b) && string(b[pos:end]) == tok &&
		(pos == 0 || !isWord[b[pos-1]]) && (end == len(b) || !isWord[b[end]])
}

// candidateBuckets are the triggers of every decoding, in the eight
// buckets of the vector search (Teddy, see simd.NewGrouped). A bucket's
// patterns share its nibble tables, so a bucket admits every byte triple
// its patterns' nibbles make up between them: the grouping decides what
// one search for 37 patterns costs on real code. This one was chosen by
// a local search over groupings, scored on the byte triples of the
// benchmark corpus (28 MB of minified JavaScript, CSS and source maps):
// the search stops at 235 patterns and 879 triples that are none, and
// 2.9% of its 64-byte blocks pass the filter's first step (grouped by
// first byte: 1,408 and 2.9%; the 9 patterns before issue 22: 216, 0
// and 0.2%). The triggers were chosen for it too: u00 rather than 063,
// 069, 06f and 06F, which numbers are full of.
var candidateBuckets = [][]string{
	{"cio", "\x00i\x00"},
	{"\\x6", "\\14", "\\15", "\\00", "\\06", "\\63", "\\69", "\\6f", "\\6F"},
	{"&#0", "&#1", "&#9", "&#x", "&#X"},
	{"Npb", "Np\n", "Np\r", `Np\`, "H4s"},
	{"jaW", "j\na", "j\n ", "j\r\n", `j\n`},
	{"Y2l", "96f", "96F"},
	{"u00", "u{6", "u{0"},
	{"%63", "%69", "%6f", "%6F", "%25"},
}

// candidates: the only places an encoded token can start, found by one
// vector search for every decoding's triggers. triggerList holds them in
// the order of their bits in candidates.Which, triggerIndex the reverse.
var candidates, triggerList, triggerIndex = buildCandidates(candidateBuckets)

func buildCandidates(buckets [][]string) (*simd.Patterns, []string, map[string]int) {
	var list []string
	index := map[string]int{}
	for _, g := range buckets {
		for _, t := range g {
			index[t] = len(list)
			list = append(list, t)
		}
	}
	return simd.NewGrouped(buckets...), list, index
}
