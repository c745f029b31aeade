package detect

import "math/bits"

// Escapes: a token in which characters, one or all, are written as
// escapes of one scheme (JavaScript's \x63, percent-encoding's %63…), and
// a plain token glued to an escape that stands for a non-word character
// (\ncio…, token%3Dcio…). Each scheme is a small type in its own file
// (javascript.go, css.go, percent.go, html_entity.go); what they share is
// here: finding where such a token starts, and decoding its word run once.

// A scheme is one way of writing a character as an escape.
type scheme interface {
	// name is the Encoding a token found under the scheme is reported with.
	name() string
	// intro is the byte each of its escapes starts with.
	intro() byte
	// unit decodes the escape at b[j] (b[j] is intro): the byte it
	// stands for, ' ' for one that is never part of a word (a character
	// beyond ASCII, \n), and its length; n is 0 where b[j:] holds no
	// escape of the scheme (the intro stands for itself).
	unit(b []byte, j int) (c byte, n int)
	// maxLen bounds an escape's length, for walking back to one.
	maxLen() int
	// letters are the triggers of its escapes of c, i and o (0x63, 99,
	// 0o143; 0x69, 105, 0o151; 0x6f, 111, 0o157), one of which every
	// token with an escape among its first three characters holds, each
	// with where the escape starts before it.
	letters() []letterTrigger
}

// A letterTrigger is a trigger of a scheme's escapes of the letters of
// "cio", and how many bytes before it the escape starts (the backslash of
// \u0063 before its u00).
type letterTrigger struct {
	pattern string
	back    int
}

// escapes is the decoding of all the schemes.
type escapes struct {
	schemes []scheme
	// until: candidates before these absolute offsets were decided by an
	// earlier decoding of the same stretch (one per scheme).
	until []int64
	// cioUntil: a plain "cio" before it is inside a long word run.
	cioUntil int64
	// byIntro has bit si set for each scheme si whose escapes start with
	// the byte, and intro is each scheme's.
	byIntro [256]uint8
	intro   []byte
	// at lists, for each pattern of candidates that is a letter trigger,
	// the schemes it is one of and where their escape starts.
	at    [][]schemeAt
	trigs []string
}

type schemeAt struct{ si, back int }

func newEscapes() *escapes {
	e := &escapes{schemes: []scheme{jsEscape{}, cssEscape{}, percentEscape{}, percent2Escape{}, htmlRef{}}}
	e.until = make([]int64, len(e.schemes))
	e.at = make([][]schemeAt, len(triggerList))
	e.trigs = []string{"cio"}
	for si, sc := range e.schemes {
		e.byIntro[sc.intro()] |= 1 << si
		e.intro = append(e.intro, sc.intro())
		for _, t := range sc.letters() {
			j, ok := triggerIndex[t.pattern]
			if !ok {
				panic("detect: trigger " + t.pattern + " is in no bucket of candidates")
			}
			if len(e.at[j]) == 0 {
				e.trigs = append(e.trigs, t.pattern)
			}
			e.at[j] = append(e.at[j], schemeAt{si, t.back})
		}
	}
	return e
}

func (e *escapes) reset() {
	clear(e.until)
	e.cioUntil = 0
}

// triggers: plain "cio" (glued to an escape before it, or with escapes
// inside its run), and each scheme's letter triggers. (They are chosen,
// with the other decodings', for what they cost the vector search in
// real code: see candidateBuckets.)
func (e *escapes) triggers() []string { return e.trigs }

func (e *escapes) try(d *Decoder, k int, _ bool) int {
	b := d.buf
	if string(b[k:k+3]) == "cio" {
		e.plainCio(d, k)
		return k + 1
	}
	// An escape of one of the prefix's letters holds the trigger: where
	// the token would start, up to two units before it.
	for _, at := range e.at[bits.TrailingZeros64(candidates.Which(b, k))] {
		p, si := k-at.back, at.si
		if p < 0 || d.base+int64(p) < e.until[si] {
			continue // decided with the stretch it is in
		}
		sc := e.schemes[si]
		c, n := sc.unit(b, p)
		before, ok := prefixBefore(c)
		if n == 0 || !ok {
			continue
		}
		s := p
		for _, want := range []byte(before) {
			if s = prevUnit(sc, b, s); s < 0 {
				break
			}
			if got, _ := unitByte(sc, e.intro[si], b, s); got != want {
				s = -1
				break
			}
		}
		if s >= 0 {
			e.tryRun(d, s, si)
		}
	}
	return k + 1
}

// prefixBefore returns what must come before the letter c, last first,
// for it to be in a token's "cio"; false if c is no letter of it.
func prefixBefore(c byte) (string, bool) {
	switch c {
	case 'c':
		return "", true
	case 'i':
		return "c", true
	case 'o':
		return "ic", true
	}
	return "", false
}

// plainCio handles a plain "cio" at s, which begins an encoded token only
// if the unit before it is an escape (\ncio…, %0Acio…, &#10;cio…) and the
// plain word run is a token's length, or if an escape that may decode to a
// word byte follows within the run (cio\u0041…). That is checked on the
// raw bytes first, so a stretch of "\ncio\ncio…" costs a few byte tests
// per candidate. A long plain word run rules out every "cio" inside it.
func (e *escapes) plainCio(d *Decoder, s int) {
	if d.base+int64(s) < e.cioUntil {
		return
	}
	b := d.buf
	j := s + 3
	for j < len(b) && isWord[b[j]] {
		j++
	}
	run := j - s
	if run > tpLen {
		e.cioUntil = d.base + int64(j)
		return
	}
	tried := uint8(0) // schemes tried, one bit each
	if run == apiLen || run == tpLen {
		// A token's length: it is encoded if the unit before it is an
		// escape: \n, \x0a, \u000a; %0A; &#10;
		for si, sc := range e.schemes {
			if p := prevUnit(sc, b, s); p >= 0 && p < s-1 {
				e.tryRun(d, s, si)
				tried |= 1 << si
			}
		}
	}
	if j == len(b) {
		return
	}
	for m := e.byIntro[b[j]] &^ tried; m != 0; m &= m - 1 {
		if si := bits.TrailingZeros8(m); mayDecodeToWord(e.schemes[si], b, j) {
			e.tryRun(d, s, si)
		}
	}
}

// mayDecodeToWord reports whether the escape of scheme sc at b[j] stands
// for a word byte; \n, %20 or &#10; do not, and end a word run.
func mayDecodeToWord(sc scheme, b []byte, j int) bool {
	c, n := unitByte(sc, b[j], b, j)
	return n > 1 && isWord[c]
}

// unitByte decodes the unit at b[j] under scheme sc, whose escapes
// start with intro: an escape, or a plain byte (n 1).
func unitByte(sc scheme, intro byte, b []byte, j int) (c byte, n int) {
	if b[j] != intro {
		return b[j], 1
	}
	if c, n = sc.unit(b, j); n == 0 {
		return b[j], 1
	}
	return c, n
}

// prevUnit returns where the unit of scheme sc (or the plain byte) that
// ends at s starts, or -1 at the start of the input.
func prevUnit(sc scheme, b []byte, s int) int {
	if s == 0 {
		return -1
	}
	for p := s - 2; p >= max(s-sc.maxLen(), 0); p-- {
		if b[p] == sc.intro() {
			if _, n := sc.unit(b, p); n == s-p {
				return p
			}
		}
	}
	return s - 1
}

// tryRun decodes, under scheme si, the word run that starts at s (the
// unit before it must decode to a non-word byte) and reports it if it is
// a token that does not also stand in plain text at s. The stretch it
// decodes is marked, so that candidates inside it are not looked at
// again.
func (e *escapes) tryRun(d *Decoder, s, si int) {
	if d.base+int64(s) < e.until[si] {
		return
	}
	sc, intro := e.schemes[si], e.intro[si]
	b := d.buf
	dec, ends := d.dec[:0], d.ends[:0]
	lead := 0
	if p := prevUnit(sc, b, s); p >= 0 {
		c, _ := unitByte(sc, intro, b, p)
		dec = append(dec, c)
		lead = 1
		if isWord[c] {
			// Inside a word run: no token starts here. Mark the run's rest.
			e.until[si] = d.base + int64(skipRun(sc, intro, b, s))
			d.dec = dec[:0]
			return
		}
	}
	j := s
	for j < len(b) {
		c, n := unitByte(sc, intro, b, j)
		dec = append(dec, c)
		j += n
		ends = append(ends, j)
		if !isWord[c] {
			break
		}
		if len(dec)-lead > tpLen {
			j = skipRun(sc, intro, b, j)
			break
		}
	}
	e.until[si] = d.base + int64(j)
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
		d.report(m, s, sc.name())
	}
}

// skipRun returns where the word run going on at j, under scheme sc,
// ends: the start of the first unit that decodes to a non-word byte.
func skipRun(sc scheme, intro byte, b []byte, j int) int {
	for j < len(b) {
		c, n := unitByte(sc, intro, b, j)
		if !isWord[c] {
			return j
		}
		j += n
	}
	return j
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

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

// hexDigits reads up to limit hex digits at b[i:]: their value (past
// 0x10FFFF, 0x110000: no character) and how many there are.
func hexDigits(b []byte, i, limit int) (v, n int) {
	for n < limit && i+n < len(b) && isHex(b[i+n]) {
		v = min(v<<4|int(unhex(b[i+n])), 0x110000)
		n++
	}
	return v, n
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

// asciiByte is the byte a code point stands for in a word run: itself
// below 0x80, else ' ' (no word byte).
func asciiByte(v int) byte {
	if v < 0 || v >= 0x80 {
		return ' '
	}
	return byte(v)
}
