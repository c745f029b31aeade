package detect

import (
	"bytes"
	"encoding/base64"
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
// Memory is bounded by the window. Work is spent only where a rare pattern
// (see candPats) says an encoded token may start.
type Decoder struct {
	fn     func(Match)
	buf    []byte
	base   int64 // absolute offset of buf[0]
	line   int   // line at buf[0]
	lnBase int64 // absolute offset of that line's first byte
	// done is the absolute offset before which candidates are decided.
	done int64
	// Scratch space reused across candidates.
	dec []byte
}

// NewDecoder returns a Decoder that calls fn for each encoded token.
func NewDecoder(fn func(Match)) *Decoder { return &Decoder{fn: fn, line: 1} }

// Reset readies the Decoder for a new input, keeping its buffers.
func (d *Decoder) Reset(fn func(Match)) {
	*d = Decoder{fn: fn, line: 1, buf: d.buf[:0], dec: d.dec[:0]}
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
)

// process handles the candidates in buf; without final it leaves the last
// decTail bytes for the next write.
func (d *Decoder) process(final bool) {
	b := d.buf
	limit := len(b)
	if !final {
		limit = max(len(b)-decTail, 0)
	}
	from := max(int(d.done-d.base), 0)
	for from < limit {
		i := candidates.Index3(b[from:min(limit+2, len(b))])
		if i < 0 {
			break
		}
		k := from + i
		d.candidate(k)
		from = k + 1
	}
	d.done = d.base + int64(limit)
	keep := max(limit-decContext, 0)
	if final {
		keep = len(b)
	}
	// Count lines in what is dropped, then shift the kept tail down.
	seg := b[:keep]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		d.line += n
		d.lnBase = d.base + int64(bytes.LastIndexByte(seg, '\n')+1)
	}
	d.base += int64(keep)
	d.buf = append(d.buf[:0], b[keep:]...)
}

// candidate decodes around a pattern found at buf[k].
func (d *Decoder) candidate(k int) {
	b := d.buf
	before := func(s string) bool { return k >= len(s) && string(b[k-len(s):k]) == s }
	switch string(b[k : k+3]) {
	case "cio":
		for _, kind := range escapeKinds {
			d.tryEscaped(k, kind)
		}
	case "063":
		if before(`\u0`) {
			d.tryEscaped(k-3, escapeKinds[0])
		}
	case "x63":
		if before(`\`) {
			d.tryEscaped(k-1, escapeKinds[0])
		} else if before("&#") {
			d.tryEscaped(k-2, escapeKinds[2])
		}
	case "X63":
		if before("&#") {
			d.tryEscaped(k-2, escapeKinds[2])
		}
	case "%63":
		d.tryEscaped(k, escapeKinds[1])
	case "#99":
		if before("&") {
			d.tryEscaped(k-1, escapeKinds[2])
		}
	default:
		d.tryBase64(k)
	}
}

// tryEscaped decodes, under one kind of escape, the unit before s and up
// to 41 units from s, and reports a token that starts at s.
func (d *Decoder) tryEscaped(s int, k escapeKind) {
	b := d.buf
	dec := d.dec[:0]
	defer func() { d.dec = dec[:0] }()
	if p := prevUnit(b, s, k); p >= 0 {
		dec = k.decodeOrByte(dec, b, p, s)
	}
	lead := len(dec)
	for i, n := s, 0; i < len(b) && n < 41; n++ {
		if u := k.unit(b, i); u > 0 {
			dec = k.decode(dec, b[i:i+u])
			i += u
		} else {
			dec = append(dec, b[i])
			i++
		}
	}
	for _, m := range Find(dec) {
		if m.Offset == int64(lead) && !d.plainHit(s, m.Token) {
			d.report(m, s, k.name)
		}
	}
}

// decodeOrByte appends the decoding of b[p:s] when it is one unit of kind
// k, else the byte before s.
func (k escapeKind) decodeOrByte(dst, b []byte, p, s int) []byte {
	if k.unit(b, p) == s-p {
		return k.decode(dst, b[p:s])
	}
	return append(dst, b[s-1])
}

// prevUnit returns where the unit of kind k (or the plain byte) before s
// starts, or -1 at the start of the input.
func prevUnit(b []byte, s int, k escapeKind) int {
	if s == 0 {
		return -1
	}
	for _, n := range []int{6, 4, 3, 2} {
		if p := s - n; p >= 0 && k.unit(b, p) == n {
			return p
		}
	}
	if k.intro == '&' && b[s-1] == ';' {
		lo := max(0, s-12)
		if j := bytes.LastIndexByte(b[lo:s], '&'); j >= 0 && k.unit(b, lo+j) == s-lo-j {
			return lo + j
		}
	}
	return s - 1
}

// tryBase64 decodes the base64 around a pattern at k, in each of the four
// alignments it can have, when it lies in a base64 run of 48 characters or
// more, and reports the tokens found.
func (d *Decoder) tryBase64(k int) {
	b := d.buf
	lo, hi := k, k
	for lo > 0 && k-lo < decContext && isB64[b[lo-1]] {
		lo--
	}
	for hi < len(b) && hi-k < decContext && isB64[b[hi]] {
		hi++
	}
	if hi-lo < minB64 {
		return
	}
	for j := 0; j < 4; j++ {
		start := k - j
		if start < lo {
			break
		}
		for start-4 >= lo && k-start < 12 {
			start -= 4 // some decoded context before the token, for its boundary
		}
		d.decodeB64(start, min(hi, start+96))
	}
}

// report maps a match in decoded text back to buf position pos.
func (d *Decoder) report(m Match, pos int, enc string) {
	m.Encoding = enc
	m.Offset = d.base + int64(pos)
	seg := d.buf[:pos]
	m.Line = d.line + bytes.Count(seg, []byte{'\n'})
	lb := d.lnBase
	if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
		lb = d.base + int64(i+1)
	}
	m.Column = int(m.Offset-lb) + 1
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

type escapeKind struct {
	name  string
	intro byte
	// unit returns the length of the escape at b[i], or 0.
	unit func(b []byte, i int) int
	// decode appends the decoding of the escape at b[i:i+n].
	decode func(dst, esc []byte) []byte
}

var escapeKinds = []escapeKind{
	{EncEscapes, '\\', escLen, escDecode},
	{EncPercent, '%', pctLen, pctDecode},
	{EncHTML, '&', htmlLen, htmlDecode},
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
	v, _ := strconv.ParseUint(string(esc[1:3]), 16, 8)
	return append(dst, byte(v))
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

var isB64 [256]bool

func init() {
	for c := 0; c < 256; c++ {
		isB64[c] = isAlnum[c] || c == '+' || c == '/' || c == '-' || c == '_'
	}
}

func (d *Decoder) decodeB64(start, end int) {
	run := d.buf[start:end]
	if len(run) < minB64 {
		return
	}
	enc := base64.RawStdEncoding
	if bytes.ContainsAny(run, "-_") {
		if bytes.ContainsAny(run, "+/") {
			return // mixed alphabets: not base64
		}
		enc = base64.RawURLEncoding
	}
	n := len(run) / 4 * 4
	if len(run)%4 >= 2 {
		n = len(run) // a valid unpadded tail
	}
	if need := enc.DecodedLen(n); cap(d.dec) < need {
		d.dec = make([]byte, need)
	}
	dec := d.dec[:enc.DecodedLen(n)]
	w, err := enc.Decode(dec, run[:n])
	if err != nil {
		return
	}
	for _, m := range Find(dec[:w]) {
		d.report(m, start+int(m.Offset)/3*4, EncBase64)
	}
}
