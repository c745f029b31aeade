package detect

import "encoding/base64"

// EncBase64 names tokens found in base64 (either alphabet).
const EncBase64 = "base64"

const (
	minB64 = 47 // shortest base64 run worth decoding: a bare token's 35 bytes
	// b64Span bounds one decoding of a base64 run; consecutive spans of a
	// longer run overlap by b64Overlap, more than an encoded token with a
	// character of context on each side.
	b64Span    = 8 << 10
	b64Overlap = 64
	// b64Dense is how close base64 candidates follow each other, four
	// times in a row, for the span to be decoded rather than each checked.
	b64Dense = 256
)

// base64s is the decoding of base64 runs of minB64 characters or more,
// in the standard and the URL-safe alphabet: atob("…") arguments, inline
// source maps, JSON blobs. In base64 the three bytes "cio" come out as
// Y2l, Npb or jaW, depending on their alignment: those are its triggers.
// A run is decoded in each of the four alignments it can have; a long
// one in spans of b64Span that overlap.
type base64s struct {
	// until: candidates before it were decided by an earlier decoding.
	until int64
	seen  map[int64]bool // tokens reported from the current run
	// The last candidate ruled out alone, and how many were within
	// b64Dense bytes of the one before.
	ruled int64
	near  int
	// Scratch for a run joined from its lines: its characters, and where
	// each is in the buffer (at most b64Span).
	joined []byte
	at     []int32
}

// triggers: "cio" at each alignment, and those that a line end may cut
// when lines are wrapped at a multiple of four characters (MIME's 76,
// PEM's 64), between two groups of four: j|aW and Np|b, the line ending
// with \n (and an indentation: YAML), \r\n or a JSON string's \n.
func (*base64s) triggers() []string {
	return []string{"Y2l", "Npb", "jaW", "j\na", "j\n ", "j\r\n", `j\n`, "Np\n", "Np\r", `Np\`}
}

func (b *base64s) reset() {
	seen := b.seen
	clear(seen)
	*b = base64s{seen: seen, joined: b.joined[:0], at: b.at[:0]}
}

// try decodes the base64 run around a pattern at k, in each of the four
// alignments it can have, when it is minB64 characters or longer, and
// reports the tokens found. A long run is decoded in spans of b64Span
// that overlap; candidates inside a decoded span are not looked at again.
// Inside a run, no other decoding's trigger can begin a token (their
// escapes, quotes and NULs are not base64 characters) but near its ends:
// it returns the end of the span, less the overlap.
func (s *base64s) try(d *Decoder, k int, final bool) int {
	s.span(d, k, final)
	if end := int(s.until-d.base) - b64Overlap; end > k {
		return end
	}
	return k + 1
}

func (s *base64s) span(d *Decoder, k int, final bool) {
	if d.base+int64(k) < s.until {
		return
	}
	b := d.buf
	split := !isB64[b[k+1]] || !isB64[b[k+2]] // j|aW or Np|b, cut by a line end
	// Where candidates are dense (a run made of them), one decoding of
	// the span decides them all at once, at less cost than each its own
	// check.
	at := d.base + int64(k)
	if at-s.ruled < b64Dense {
		s.near++
	} else {
		s.near = 0
	}
	if s.near < 4 && !split && b64NoToken(b, k) {
		s.ruled = at
		return
	}
	// The run's start, but not further back than the last span's overlap,
	// nor than half a span.
	floor := max(0, int(s.until-d.base)-b64Overlap, k-b64Span/2)
	lo := k
	for lo > floor && isB64[b[lo-1]] {
		lo--
	}
	if len(s.seen) > 256 {
		for at := range s.seen {
			if at < d.base+int64(lo) { // behind this span: never found again
				delete(s.seen, at)
			}
		}
	}
	hi := k
	for hi < len(b) && hi-lo < b64Span && isB64[b[hi]] {
		hi++
	}
	if split && hi-lo < minWrap {
		return // the trigger ends a line too short to be a wrapped one's
	}
	if s.seen == nil {
		s.seen = map[int64]bool{}
	}
	v, wrapped := s.lines(d, lo, hi, floor, final)
	if !wrapped {
		v = b64View{text: b[lo:hi], start: lo,
			atStart: lo == 0 && d.base == 0 || lo > 0 && !isB64[b[lo-1]],
			atEnd:   hi < len(b) && !isB64[b[hi]] || final && hi == len(b)}
	}
	n := len(v.text)
	switch {
	case v.atEnd:
		s.until = d.base + int64(v.pos(n-1)+1)
	default:
		s.until = d.base + int64(max(v.pos(max(n-b64Overlap, 0)), k+1))
	}
	if n < minB64 {
		return
	}
	alpha := byte(0)
	for _, c := range v.text {
		alpha |= b64Alphabet[c]
	}
	for j := 0; j < 4 && j < n; j++ {
		s.decode(d, v, j, alpha)
	}
}

// A b64View is the characters of a base64 run, joined from its lines
// when it is wrapped: where each is in the buffer (at, or start+i), and
// whether the run starts and ends with them.
type b64View struct {
	text           []byte
	at             []int32
	start          int
	atStart, atEnd bool
}

// pos is where the view's i-th character is in the buffer.
func (v *b64View) pos(i int) int {
	if v.at == nil {
		return v.start + i
	}
	return int(v.at[i])
}

// b64NoToken reports whether the base64 characters from the candidate at
// b[k] (Y2l, Npb or jaW: "cio" at each of the three alignments) rule out a
// token starting there: decoded in the alignment the pattern implies, they
// do not begin with "cio" and eight word bytes, or end first. Either
// alphabet is taken, so it never rules out what decode would find. It
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
		if i < len(b) && b64Value[b[i]] < 0 {
			if sep := lineSep(b, i); sep > 0 && i+sep < len(b) && b64Value[b[i+sep]] >= 0 {
				i += sep // wrapped: the next line goes on
			}
		}
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
	// (detect.go's tables may not be made yet: init runs file by file.)
	for c := 0; c < 256; c++ {
		isB64[c] = c == '+' || c == '/' || c == '-' || c == '_'
		b64Value[c] = -1
	}
	for i, c := range []byte(ChecksumAlphabet) { // A-Z a-z 0-9
		isB64[c], b64Value[c] = true, int8(i)
	}
	b64Value['+'], b64Value['-'], b64Value['/'], b64Value['_'] = 62, 62, 63, 63
	b64Alphabet['+'], b64Alphabet['/'] = b64Std, b64Std
	b64Alphabet['-'], b64Alphabet['_'] = b64URL, b64URL
}

// decode decodes the view's characters from its j-th and reports the
// tokens in them. A token touching the decoded text's start or end
// counts only where that is the run's own start (atStart) or end
// (atEnd), not a cut between spans.
func (s *base64s) decode(d *Decoder, v b64View, j int, alpha byte) {
	run := v.text[j:]
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
	if v.atEnd && n%4 >= 2 {
		// An unpadded tail, if it is a valid one.
		w, err = enc.Decode(d.dec[:enc.DecodedLen(n)], run)
	}
	if !v.atEnd || n%4 < 2 || err != nil {
		n = n / 4 * 4
		if w, err = enc.Decode(d.dec[:enc.DecodedLen(n)], run[:n]); err != nil {
			return
		}
	}
	dec := d.dec[:w]
	for _, m := range Find(dec) {
		ds, de := int(m.Offset), int(m.Offset)+len(m.Token)
		if ds == 0 && !(j == 0 && v.atStart) || de == len(dec) && !(v.atEnd && n == len(run)) {
			continue
		}
		first, last := j+ds/3*4, j+min((de+2)/3*4, len(run))-1 // the characters that hold it
		pos := v.pos(first)
		abs := d.base + int64(pos)
		if s.seen[abs] {
			continue
		}
		s.seen[abs] = true
		m.Length = v.pos(last) + 1 - pos
		d.report(m, pos, EncBase64)
	}
}
