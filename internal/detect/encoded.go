package detect

import (
	"bytes"
	"encoding/base64"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// Encodings a Decoder undoes.
const (
	EncEscapes = "JSON/JavaScript string escapes"
	EncPercent = "percent-encoding"
	EncHTML    = "HTML character references"
	EncBase64  = "base64"
)

const (
	decWindow = 64 << 10 // bytes gathered before a pass
	minB64    = 48       // shortest base64 run worth decoding
)

// Decoder finds tokens hidden under one level of encoding: JSON and
// JavaScript string escapes (\u0063, \x63, \n before a token), percent-
// encoding, HTML numeric character references and base64 runs of 48
// characters or more. It is written to like an io.Writer, in any pieces,
// and reports each token found only under an encoding: a token whose plain
// text the Scanner already sees at the same place is not reported again.
// A decoded token must hold its own boundaries in the decoded text, so
// random base64 (images, fonts, wasm) does not produce findings.
//
// Memory is bounded by the window, and time is linear in the input
// whatever it holds: work is spent only where a rare pattern (see
// candidates) says an encoded token may start, and each stretch of encoded
// text is decoded once (per base64 alignment), however many candidates it
// holds: 64 MB of %63 or Y2l costs a few times what plain text does.
type Decoder struct {
	fn     func(Match)
	buf    []byte
	base   int64 // absolute offset of buf[0]
	line   int   // line at buf[0]
	lnBase int64 // absolute offset of that line's first byte
	adj    int   // bytes minus UTF-16 units from lnBase to buf[0]
	// done is the absolute offset before which candidates are decided.
	done int64
	// Coverage: candidates before these absolute offsets were decided by
	// an earlier decoding of the same stretch.
	escUntil [3]int64 // per escape kind
	cioUntil int64    // plain "cio" inside a long word run
	b64Until int64
	b64Seen  map[int64]bool // base64 tokens reported from the current run
	// The last base64 candidate ruled out alone, and how many were within
	// b64Dense bytes of the one before.
	b64Ruled int64
	b64Near  int
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
}

// NewDecoder returns a Decoder that calls fn for each encoded token.
func NewDecoder(fn func(Match)) *Decoder {
	d := &Decoder{}
	d.Reset(fn)
	return d
}

// Reset readies the Decoder for a new input, keeping its buffers.
func (d *Decoder) Reset(fn func(Match)) {
	*d = Decoder{fn: fn, line: 1, buf: d.buf[:0], dec: d.dec[:0], ends: d.ends[:0], b64Seen: d.b64Seen, marks: d.marks[:0]}
	clear(d.b64Seen)
}

// Write adds input.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	if len(d.buf) >= decWindow {
		d.process(false)
	}
	return len(p), nil
}

// Close decides what remains.
func (d *Decoder) Close() error {
	d.process(true)
	return nil
}

// candidates: the only places an encoded token can start. A token begins
// with "cio"; under an encoding its "c" is either plain (glued to an escape
// before it, \ncio…, token%3Dcio…) or itself encoded (\u0063, \x63, %63,
// &#x63;, &#99;), and in base64 the three bytes "cio" come out as Y2l, Npb
// or jaW depending on their alignment. All are rare in real code, so one
// vector search for the nine patterns finds everything worth decoding.
var candidates = simd.NewPatterns(
	[3]byte{'c', 'i', 'o'}, [3]byte{'0', '6', '3'}, [3]byte{'x', '6', '3'}, [3]byte{'X', '6', '3'},
	[3]byte{'%', '6', '3'}, [3]byte{'#', '9', '9'},
	[3]byte{'Y', '2', 'l'}, [3]byte{'N', 'p', 'b'}, [3]byte{'j', 'a', 'W'},
)

const (
	decTail    = 512 // bytes kept undecided at the end: a fully escaped token and what follows
	decContext = 64  // bytes kept before them: the unit before a token, a base64 run's start
	// b64Span bounds one decoding of a base64 run; consecutive spans of a
	// longer run overlap by b64Overlap, more than an encoded token with a
	// character of context on each side.
	b64Span    = 8 << 10
	b64Overlap = 64
	// nearBytes is how far past a candidate the next is looked for one
	// byte at a time.
	nearBytes = 64
	// b64Dense is how close base64 candidates follow each other, four
	// times in a row, for the span to be decoded rather than each checked.
	b64Dense = 256
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
	b := d.buf
	if c := d.cands; c != nil {
		from := max(int(d.done-d.base), 0)
		i := sort.Search(len(c), func(i int) bool { return int(c[i]) >= from })
		for next := from; i < len(c) && int(c[i]) < limit; i++ {
			if k := int(c[i]); k >= next && k+3 <= len(b) {
				next = d.candidate(k, final) + 1
			}
		}
		d.done = d.base + int64(limit)
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
			if k == from+i || candidates.At(b, k) {
				k = d.candidate(k, final)
				stop = k + 1 + nearBytes
			}
		}
		k = max(k, from+i+1)
		from = k
	}
	d.done = d.base + int64(limit)
}

// candidate decodes around a pattern found at buf[k]. It returns where
// the next candidate may be: k, or the end of a stretch of base64 that was
// decoded whole and holds no other kind of candidate.
func (d *Decoder) candidate(k int, final bool) int {
	b := d.buf
	before := func(s string) bool { return k >= len(s) && string(b[k-len(s):k]) == s }
	switch string(b[k : k+3]) {
	case "cio":
		d.plainCio(k)
	case "063":
		if before(`\u0`) {
			d.tryEscaped(k-3, escJS)
		}
	case "x63":
		if before(`\`) {
			d.tryEscaped(k-1, escJS)
		} else if before("&#") {
			d.tryEscaped(k-2, escHTML)
		}
	case "X63":
		if before("&#") {
			d.tryEscaped(k-2, escHTML)
		}
	case "%63":
		d.tryEscaped(k, escPercent)
	case "#99":
		if before("&") {
			d.tryEscaped(k-1, escHTML)
		}
	default:
		d.tryBase64(k, final)
		// Inside a base64 run no other kind of candidate can begin an
		// encoded token (their escapes are not base64 characters) but near
		// its end, where an escape may follow: jump to there.
		if end := int(d.b64Until-d.base) - b64Overlap; end > k {
			return end
		}
	}
	return k
}

// plainCio handles a plain "cio" at s, which begins an encoded token only
// if the unit before it is an escape (\ncio…, %0Acio…, &#10;cio…) and the
// plain word run is a token's length, or if an escape that may decode to a
// word byte follows within the run (cio\u0041…). That is checked on the
// raw bytes first, so a stretch of "\ncio\ncio…" costs a few byte tests
// per candidate. A long plain word run rules out every "cio" inside it.
func (d *Decoder) plainCio(s int) {
	if d.base+int64(s) < d.cioUntil {
		return
	}
	b := d.buf
	j := s + 3
	for j < len(b) && isWord[b[j]] {
		j++
	}
	run := j - s
	if run > tpLen {
		d.cioUntil = d.base + int64(j)
		return
	}
	tried := -1
	if run == apiLen || run == tpLen {
		// A token's length: it is encoded if the unit before it is an
		// escape: \n, \x0a, \u000a; %0A; &#10;
		at := func(i int, c byte) bool { return i >= 0 && b[i] == c }
		if at(s-2, '\\') || at(s-4, '\\') || at(s-6, '\\') {
			d.tryEscaped(s, escJS)
			tried = int(escJS)
		}
		if at(s-3, '%') {
			d.tryEscaped(s, escPercent)
		}
		if at(s-1, ';') {
			d.tryEscaped(s, escHTML)
		}
	}
	if j == len(b) {
		return
	}
	var k escKind
	switch b[j] {
	case '\\':
		k = escJS
	case '%':
		k = escPercent
	case '&':
		k = escHTML
	default:
		return
	}
	if int(k) != tried && mayDecodeToWord(b, j, k) {
		d.tryEscaped(s, k)
	}
}

// mayDecodeToWord reports whether the escape of kind k at b[j] can stand
// for a word byte; \n, %20 or &#10; cannot, and end a word run.
func mayDecodeToWord(b []byte, j int, k escKind) bool {
	if k == escJS && (j+1 == len(b) || b[j+1] != 'u' && b[j+1] != 'x') {
		return false // \n, \t, \" …
	}
	c, n := k.unitByte(b, j)
	return n > 1 && isWord[c]
}

// tryEscaped decodes, under escape kind k, the word run that starts at s
// (the unit before it must decode to a non-word byte) and reports it if it
// is a token that does not also stand in plain text at s. The stretch it
// decodes is marked, so that candidates inside it are not looked at again.
func (d *Decoder) tryEscaped(s int, k escKind) {
	if d.base+int64(s) < d.escUntil[k] {
		return
	}
	b := d.buf
	dec, ends := d.dec[:0], d.ends[:0]
	lead := 0
	if p := prevUnit(b, s, k); p >= 0 {
		dec = k.decodeOrByte(dec, b, p, s)
		lead = len(dec)
		if r, _ := utf8.DecodeLastRune(dec); r < utf8.RuneSelf && isWord[byte(r)] {
			// Inside a word run: no token starts here. Mark the run's rest.
			d.escUntil[k] = d.base + int64(skipRun(b, s, k))
			d.dec = dec[:0]
			return
		}
	}
	j := s
	for j < len(b) {
		c, n := k.unitByte(b, j)
		dec = append(dec, c)
		j += n
		ends = append(ends, j)
		if !isWord[c] {
			break
		}
		if len(dec)-lead > tpLen {
			j = skipRun(b, j, k)
			break
		}
	}
	d.escUntil[k] = d.base + int64(j)
	d.dec, d.ends = dec[:0], ends[:0]
	n := len(dec) - lead
	if n > 0 && !isWord[dec[len(dec)-1]] {
		n-- // the byte that ended the run
	}
	if n != apiLen && n != tpLen {
		return // the run (ended by a non-word byte) is no token's length
	}
	for _, m := range Find(dec) {
		if m.Offset != int64(lead) || d.plainHit(s, m.Token) {
			continue
		}
		end := ends[int(m.Offset)-lead+len(m.Token)-1]
		m.Length = end - s
		d.report(m, s, k.name())
	}
}

// skipRun returns where the word run going on at j, under escape kind k,
// ends: the start of the first unit that decodes to a non-word byte.
func skipRun(b []byte, j int, k escKind) int {
	for j < len(b) {
		c, n := k.unitByte(b, j)
		if !isWord[c] {
			return j
		}
		j += n
	}
	return j
}

// unitByte decodes the unit at b[j] under kind k: an escape, or a plain
// byte (n 1). A character outside ASCII comes back as ' ': it is no word
// byte, which is all that matters of it here.
func (k escKind) unitByte(b []byte, j int) (c byte, n int) {
	c = b[j]
	if c != k.intro() {
		return c, 1
	}
	v := -1
	switch k {
	case escJS:
		if j+1 >= len(b) {
			return c, 1
		}
		switch b[j+1] {
		case 'u':
			v, n = hexValue(b, j+2, 4), 6
		case 'x':
			v, n = hexValue(b, j+2, 2), 4
		default:
			if n = escLen(b, j); n == 0 {
				return c, 1
			}
			return ' ', n // \n, \t, \" …: never a word byte
		}
	case escPercent:
		v, n = hexValue(b, j+1, 2), 3
	case escHTML:
		if n = htmlLen(b, j); n == 0 {
			return c, 1
		}
		if b[j+2] == 'x' || b[j+2] == 'X' {
			v = hexValue(b, j+3, n-4)
		} else {
			v = decValue(b[j+2 : j+n-1])
		}
	}
	switch {
	case v < 0:
		return c, 1 // not an escape after all: the plain byte
	case v >= utf8.RuneSelf:
		return ' ', n
	}
	return byte(v), n
}

// hexValue reads n hex digits at b[i:], or returns -1.
func hexValue(b []byte, i, n int) int {
	if n <= 0 || n > 7 || i+n > len(b) {
		return -1
	}
	v := 0
	for _, c := range b[i : i+n] {
		if !isHex(c) {
			return -1
		}
		v = v<<4 | int(unhex(c))
	}
	return v
}

// decValue reads decimal digits (at most 7).
func decValue(d []byte) int {
	v := 0
	for _, c := range d {
		v = v*10 + int(c-'0')
	}
	return v
}

// decodeOrByte appends the decoding of b[p:s] when it is one unit of kind
// k, else the byte before s.
func (k escKind) decodeOrByte(dst, b []byte, p, s int) []byte {
	if k.unit(b, p) == s-p {
		return k.decode(dst, b[p:s])
	}
	return append(dst, b[s-1])
}

// prevUnit returns where the unit of kind k (or the plain byte) before s
// starts, or -1 at the start of the input.
func prevUnit(b []byte, s int, k escKind) int {
	if s == 0 {
		return -1
	}
	switch k {
	case escJS:
		for _, n := range []int{6, 4, 2} {
			if p := s - n; p >= 0 && b[p] == '\\' && escLen(b, p) == n {
				return p
			}
		}
	case escPercent:
		if p := s - 3; p >= 0 && b[p] == '%' && pctLen(b, p) == 3 {
			return p
		}
	}
	if k == escHTML && b[s-1] == ';' {
		lo := max(0, s-12)
		if j := bytes.LastIndexByte(b[lo:s], '&'); j >= 0 && k.unit(b, lo+j) == s-lo-j {
			return lo + j
		}
	}
	return s - 1
}

// tryBase64 decodes the base64 run around a pattern at k, in each of the
// four alignments it can have, when it is 48 characters or longer, and
// reports the tokens found. A long run is decoded in spans of b64Span that
// overlap; candidates inside a decoded span are not looked at again.
func (d *Decoder) tryBase64(k int, final bool) {
	if d.base+int64(k) < d.b64Until {
		return
	}
	// Where candidates are dense (a run made of them), one decoding of
	// the span decides them all at once, at less cost than each its own
	// check.
	at := d.base + int64(k)
	if at-d.b64Ruled < b64Dense {
		d.b64Near++
	} else {
		d.b64Near = 0
	}
	if d.b64Near < 4 && b64NoToken(d.buf, k) {
		d.b64Ruled = at
		return
	}
	b := d.buf
	// The run's start, but not further back than the last span's overlap,
	// nor than half a span.
	floor := max(0, int(d.b64Until-d.base)-b64Overlap, k-b64Span/2)
	lo := k
	for lo > floor && isB64[b[lo-1]] {
		lo--
	}
	trueStart := lo == 0 && d.base == 0 || lo > 0 && !isB64[b[lo-1]]
	if len(d.b64Seen) > 256 {
		for at := range d.b64Seen {
			if at < d.base+int64(lo) { // behind this span: never found again
				delete(d.b64Seen, at)
			}
		}
	}
	hi := k
	for hi < len(b) && hi-lo < b64Span && isB64[b[hi]] {
		hi++
	}
	trueEnd := hi < len(b) && !isB64[b[hi]] || final && hi == len(b)
	switch {
	case trueEnd:
		d.b64Until = d.base + int64(hi)
	default:
		d.b64Until = d.base + int64(max(hi-b64Overlap, k+1))
	}
	if hi-lo < minB64 {
		return
	}
	if d.b64Seen == nil {
		d.b64Seen = map[int64]bool{}
	}
	alpha := byte(0)
	for _, c := range b[lo:hi] {
		alpha |= b64Alphabet[c]
	}
	for j := 0; j < 4 && lo+j < hi; j++ {
		d.decodeB64(lo+j, hi, j == 0 && trueStart, trueEnd, alpha)
	}
}

// b64NoToken reports whether the base64 characters from the candidate at
// b[k] (Y2l, Npb or jaW: "cio" at each of the three alignments) rule out a
// token starting there: decoded in the alignment the pattern implies, they
// do not begin with "cio" and eight word bytes, or end first. Either
// alphabet is taken, so it never rules out what decodeB64 would find. It
// reads at most 16 characters, and stops at the first that rules out: a
// candidate in random base64 (one in every 87,000 characters of an image
// or a font) costs that, not a decoded span; a candidate it cannot rule
// out takes the span's decoding, which decides its neighbours too.
func b64NoToken(b []byte, k int) bool {
	var g, r int // where the group holding the token's "c" starts, and which of its bytes that is
	switch b[k] {
	case 'Y':
		g, r = k, 0
	case 'N':
		g, r = k-2, 1
	default: // 'j'
		g, r = k-3, 2
	}
	if g < 0 {
		return true
	}
	const check = 3 + 8
	n, acc, bits := -r, uint(0), 0 // n: decoded bytes from the token's start
	for i := g; n < check; i++ {
		if i == len(b) || b64Value[b[i]] < 0 {
			return true
		}
		acc, bits = acc<<6|uint(b64Value[b[i]]), bits+6
		if bits < 8 {
			continue
		}
		bits -= 8
		c := byte(acc >> bits)
		switch {
		case n < 0:
		case n < 3 && c != "cio"[n], n >= 3 && !isWord[c]:
			return true
		}
		n++
	}
	return false
}

// report maps a match in decoded text back to buf position pos.
func (d *Decoder) report(m Match, pos int, enc string) {
	m.Encoding = enc
	m.Offset = d.base + int64(pos)
	if pos < d.curPos {
		d.curPos, d.curLines, d.curAdj, d.curLnBase = 0, 0, d.adj, d.lnBase
	}
	// Count from the nearest known state: the cursor, or a mark between
	// it and pos.
	for i := len(d.marks) - 1; i >= 0; i-- {
		if mk := d.marks[i]; mk.Offset <= m.Offset {
			if at := int(mk.Offset - d.base); at > d.curPos {
				d.curPos, d.curLines, d.curAdj, d.curLnBase = at, mk.Line-d.line, mk.Adj, mk.LineStart
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
	m.Line = d.line + d.curLines
	m.Column = int(m.Offset-d.curLnBase) + 1
	m.Column16 = m.Column - d.curAdj
	d.fn(m)
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

// escKind is one of the escape schemes a Decoder undoes.
type escKind int

const (
	escJS      escKind = iota // \u0063, \x63, \n
	escPercent                // %63
	escHTML                   // &#99; &#x63;
)

func (k escKind) name() string {
	return [...]string{EncEscapes, EncPercent, EncHTML}[k]
}

// intro is the byte every escape of the kind starts with.
func (k escKind) intro() byte { return "\\%&"[k] }

// unit returns the length of the escape of kind k at b[i], or 0.
func (k escKind) unit(b []byte, i int) int {
	switch k {
	case escJS:
		return escLen(b, i)
	case escPercent:
		return pctLen(b, i)
	}
	return htmlLen(b, i)
}

// decode appends the decoding of the escape esc.
func (k escKind) decode(dst, esc []byte) []byte {
	switch k {
	case escJS:
		return escDecode(dst, esc)
	case escPercent:
		return pctDecode(dst, esc)
	}
	return htmlDecode(dst, esc)
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexRun(b []byte, i, n int) bool {
	if i+n > len(b) {
		return false
	}
	for _, c := range b[i : i+n] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func escLen(b []byte, i int) int {
	if b[i] != '\\' || i+1 >= len(b) {
		return 0
	}
	switch b[i+1] {
	case 'u':
		if hexRun(b, i+2, 4) {
			return 6
		}
	case 'x':
		if hexRun(b, i+2, 2) {
			return 4
		}
	case 'n', 't', 'r', '"', '\'', '\\', '/', 'b', 'f', '`':
		return 2
	}
	return 0
}

func escDecode(dst, esc []byte) []byte {
	switch esc[1] {
	case 'u', 'x':
		v, _ := strconv.ParseUint(string(esc[2:]), 16, 32)
		return utf8.AppendRune(dst, rune(v))
	case 'n':
		return append(dst, '\n')
	case 't':
		return append(dst, '\t')
	case 'r':
		return append(dst, '\r')
	case 'b', 'f':
		return append(dst, ' ')
	}
	return append(dst, esc[1])
}

func pctLen(b []byte, i int) int {
	if b[i] == '%' && hexRun(b, i+1, 2) {
		return 3
	}
	return 0
}

func pctDecode(dst, esc []byte) []byte {
	return append(dst, unhex(esc[1])<<4|unhex(esc[2]))
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func htmlLen(b []byte, i int) int {
	if b[i] != '&' || i+3 >= len(b) || b[i+1] != '#' {
		return 0
	}
	j, hex := i+2, false
	if b[j] == 'x' || b[j] == 'X' {
		j, hex = j+1, true
	}
	k := j
	for k < len(b) && k-j < 7 && (hex && isHex(b[k]) || !hex && b[k] >= '0' && b[k] <= '9') {
		k++
	}
	if k == j || k >= len(b) || b[k] != ';' {
		return 0
	}
	return k + 1 - i
}

func htmlDecode(dst, esc []byte) []byte {
	s := string(esc[2 : len(esc)-1])
	base := 10
	if s[0] == 'x' || s[0] == 'X' {
		s, base = s[1:], 16
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil || v > utf8.MaxRune {
		return append(dst, ' ')
	}
	return utf8.AppendRune(dst, rune(v))
}

var (
	isB64 [256]bool
	// b64Alphabet marks the characters only one base64 alphabet has.
	b64Alphabet [256]byte
)

// Which alphabets a run's characters belong to, ORed together.
const (
	b64Std   = 1 // + /
	b64URL   = 2 // - _
	b64Mixed = b64Std | b64URL
)

// b64Value is each character's value in either base64 alphabet, or -1.
var b64Value [256]int8

func init() {
	for c := 0; c < 256; c++ {
		isB64[c] = isAlnum[c] || c == '+' || c == '/' || c == '-' || c == '_'
		b64Value[c] = -1
	}
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") {
		b64Value[c] = int8(i)
	}
	b64Value['+'], b64Value['-'], b64Value['/'], b64Value['_'] = 62, 62, 63, 63
	b64Alphabet['+'], b64Alphabet['/'] = b64Std, b64Std
	b64Alphabet['-'], b64Alphabet['_'] = b64URL, b64URL
}

// decodeB64 decodes buf[start:end] and reports the tokens in it. A token
// touching the decoded text's start or end counts only where that is the
// run's own start (atStart) or end (atEnd), not a cut between spans.
func (d *Decoder) decodeB64(start, end int, atStart, atEnd bool, alpha byte) {
	run := d.buf[start:end]
	if len(run) < minB64 {
		return
	}
	enc := base64.RawStdEncoding
	switch alpha {
	case b64Mixed:
		return // mixed alphabets: not base64
	case b64URL:
		enc = base64.RawURLEncoding
	}
	if need := enc.DecodedLen(len(run)); cap(d.dec) < need {
		d.dec = make([]byte, need)
	}
	n, w, err := len(run), 0, error(nil)
	if atEnd && n%4 >= 2 {
		// An unpadded tail, if it is a valid one.
		w, err = enc.Decode(d.dec[:enc.DecodedLen(n)], run)
	}
	if !atEnd || n%4 < 2 || err != nil {
		n = n / 4 * 4
		if w, err = enc.Decode(d.dec[:enc.DecodedLen(n)], run[:n]); err != nil {
			return
		}
	}
	dec := d.dec[:w]
	for _, m := range Find(dec) {
		ds, de := int(m.Offset), int(m.Offset)+len(m.Token)
		if ds == 0 && !atStart || de == len(dec) && !(atEnd && n == len(run)) {
			continue
		}
		pos := start + ds/3*4
		abs := d.base + int64(pos)
		if d.b64Seen[abs] {
			continue
		}
		d.b64Seen[abs] = true
		m.Length = (de+2)/3*4 - ds/3*4
		d.report(m, pos, EncBase64)
	}
}
