package detect

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Encodings a Decoder undoes.
const (
	EncEscapes = "JSON/JavaScript string escapes"
	EncPercent = "percent-encoding"
	EncHTML    = "HTML character references"
	EncBase64  = "base64"
)

const (
	decWindow  = 64 << 10  // bytes gathered before a pass
	maxRun     = 64 << 10  // longest escaped, percent-encoded or HTML run decoded at once
	maxB64Run  = 256 << 10 // longest base64 run decoded at once; longer ones go in aligned pieces
	b64Overlap = 64        // base64 characters decoded twice across pieces: 48 bytes, more than a token
	minB64     = 48        // shortest base64 run worth decoding
)

// Decoder finds tokens hidden under one level of encoding: JSON and
// JavaScript string escapes (\u0063, \x63, \n before a token), percent-
// encoding, HTML numeric character references and base64 runs of 48
// characters or more. It is written to like an io.Writer, in any pieces,
// and reports each token found only under an encoding: a token whose plain
// text the Scanner already sees at the same place is not reported again.
// A decoded token must hold its own boundaries in the decoded text, so
// random base64 (images, fonts, wasm) does not produce findings.
// Memory is bounded by the window and the longest run decoded at once.
type Decoder struct {
	fn     func(Match)
	buf    []byte
	base   int64 // absolute offset of buf[0]
	line   int   // line at buf[0]
	lnBase int64 // absolute offset of that line's first byte
	// done holds, per encoding (the escape kinds, then base64), the
	// absolute offset before which its runs are decided.
	done [4]int64
}

// NewDecoder returns a Decoder that calls fn for each encoded token.
func NewDecoder(fn func(Match)) *Decoder { return &Decoder{fn: fn, line: 1} }

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

// process decodes the runs in buf; without final it keeps a run that may
// go on in the next write.
func (d *Decoder) process(final bool) {
	keep := len(d.buf)
	if k := d.escapeRuns(final); k < keep {
		keep = k
	}
	if k := d.base64Runs(final); k < keep {
		keep = k
	}
	if final {
		keep = len(d.buf)
	}
	// Count lines in what is dropped, then shift the kept tail down.
	seg := d.buf[:keep]
	if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		d.line += n
		d.lnBase = d.base + int64(bytes.LastIndexByte(seg, '\n')+1)
	}
	d.base += int64(keep)
	d.buf = append(d.buf[:0], d.buf[keep:]...)
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

// escapeRuns handles the three character-level encodings. A run is a
// maximal stretch of word bytes and escapes of one kind that holds at
// least one escape.
func (d *Decoder) escapeRuns(final bool) int {
	b := d.buf
	keep := len(b)
	for ki, k := range escapeKinds {
		i := max(int(d.done[ki]-d.base), 0)
		stop := len(b)
		for {
			j := bytes.IndexByte(b[i:], k.intro)
			if j < 0 {
				break
			}
			at := i + j
			if k.unit(b, at) == 0 {
				i = at + 1
				continue
			}
			start := at
			for start > 0 && isWord[b[start-1]] && at-start < apiLen+8 {
				start--
			}
			end := at
			for end < len(b) && end-start < maxRun {
				if n := k.unit(b, end); n > 0 {
					end += n
				} else if isWord[b[end]] {
					end++
				} else {
					break
				}
			}
			if !final && end >= len(b)-8 && end-start < maxRun {
				stop = start // the run may go on
				break
			}
			d.decodeRun(start, end, k)
			i = max(end, at+1)
		}
		d.done[ki] = d.base + int64(stop)
		keep = min(keep, stop)
	}
	return keep
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

// decodeRun decodes b[start:end], keeping for each decoded byte the
// position of the encoded text it came from, and reports tokens in it.
func (d *Decoder) decodeRun(start, end int, k escapeKind) {
	b := d.buf
	if end-start < apiLen {
		return
	}
	dec := make([]byte, 0, end-start)
	from := make([]int, 0, end-start)
	for i := start; i < end; {
		if n := k.unit(b, i); n > 0 {
			before := len(dec)
			dec = k.decode(dec, b[i:i+n])
			for range len(dec) - before {
				from = append(from, i)
			}
			i += n
			continue
		}
		dec = append(dec, b[i])
		from = append(from, i)
		i++
	}
	if len(dec) < apiLen {
		return
	}
	for _, m := range Find(dec) {
		pos := from[m.Offset]
		if !d.plainHit(pos, m.Token) {
			d.report(m, pos, k.name)
		}
	}
}

var isB64 [256]bool

func init() {
	for c := 0; c < 256; c++ {
		isB64[c] = isAlnum[c] || c == '+' || c == '/' || c == '-' || c == '_'
	}
}

// b64Mask sets the high bit of each byte of x in [A-Za-z0-9+/_-].
func b64Mask(x uint64) uint64 {
	x7 := x &^ msb
	l := x7 | 0x20*lsb
	letters := (l + (0x80-'a')*lsb) &^ (l + (0x7f-'z')*lsb)
	// '+' 0x2B, '-' 0x2D, '/' 0x2F and digits 0x30-0x39: the range 0x2B-0x39
	// minus ',' 0x2C and '.' 0x2E.
	r := (x7 + (0x80-'+')*lsb) &^ (x7 + (0x7f-'9')*lsb)
	comma := (x7 ^ ','*lsb) + 0x7f*lsb // high bit clear iff byte == ','
	dot := (x7 ^ '.'*lsb) + 0x7f*lsb
	under := (x7 + (0x80-'_')*lsb) &^ (x7 + (0x7f-'_')*lsb)
	return (letters | (r & comma & dot) | under) & msb &^ x
}

// base64Runs decodes runs of 48 or more base64 characters. Runs are found
// by blocks: a run that long covers five whole consecutive 8-byte blocks.
func (d *Decoder) base64Runs(final bool) int {
	i, c := max(int(d.done[3]-d.base), 0), 0
	keep := d.base64Blocks(i, c, final)
	d.done[3] = d.base + int64(keep)
	return keep
}

func (d *Decoder) base64Blocks(i, c int, final bool) int {
	b := d.buf
	keep := len(b)
	for i+8 <= len(b) {
		if b64Mask(binary.LittleEndian.Uint64(b[i:])) != msb {
			c = 0
			i += 8
			continue
		}
		if c++; c < 5 {
			i += 8
			continue
		}
		start := i - 32
		for start > 0 && isB64[b[start-1]] {
			start--
		}
		end := i + 8
		for end < len(b) && isB64[b[end]] {
			end++
		}
		if !final && end == len(b) {
			if end-start < maxB64Run {
				return min(keep, start)
			}
			// Too long to keep whole: decode an aligned piece, keep the rest
			// with an overlap so a token across the cut is still seen.
			cut := start + (end-start-b64Overlap)/4*4
			d.decodeB64(start, cut)
			return min(keep, cut-b64Overlap)
		}
		for s := start; s < end; s += maxB64Run - b64Overlap {
			d.decodeB64(s, min(end, s+maxB64Run))
		}
		i, c = end, 0
	}
	if !final {
		// A run may be starting in the last few bytes.
		j := len(b)
		for j > i-40 && j > 0 && isB64[b[j-1]] {
			j--
		}
		keep = min(keep, j)
	}
	return keep
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
	dec := make([]byte, enc.DecodedLen(n))
	w, err := enc.Decode(dec, run[:n])
	if err != nil {
		return
	}
	for _, m := range Find(dec[:w]) {
		d.report(m, start+int(m.Offset)/3*4, EncBase64)
	}
}
