package detect

import "slices"

// Base64 wrapped in lines: MIME's 76 columns, PEM's 64, any width. The
// lines are joined before the run is decoded, so that a token whose
// base64 a line end cuts is found, and its place spans the cut.

// minWrap is the narrowest lines joined.
const minWrap = 16

// lineSep returns how long the line end at b[i] is, with the indentation
// after it: a newline or \r\n, or the JSON escapes of these (\n, \r\n)
// inside a string that holds the lines; 0 if there is none.
func lineSep(b []byte, i int) int {
	var n int
	switch {
	case i < len(b) && b[i] == '\n':
		n = 1
	case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
		n = 2
	case i+1 < len(b) && b[i] == '\\' && b[i+1] == 'n':
		n = 2
	case i+3 < len(b) && string(b[i:i+4]) == `\r\n`:
		n = 4
	default:
		return 0
	}
	for i+n < len(b) && (b[i+n] == ' ' || b[i+n] == '\t') {
		n++
	}
	return n
}

// sepBefore returns where the line end that b[e] follows (with the
// indentation after it) starts, or -1.
func sepBefore(b []byte, e int) int {
	i := e
	for i > 0 && (b[i-1] == ' ' || b[i-1] == '\t') {
		i--
	}
	switch {
	case i >= 4 && string(b[i-4:i]) == `\r\n`:
		return i - 4
	case i >= 2 && b[i-2] == '\\' && b[i-1] == 'n':
		return i - 2
	case i >= 2 && b[i-2] == '\r' && b[i-1] == '\n':
		return i - 2
	case i >= 1 && b[i-1] == '\n':
		return i - 1
	}
	return -1
}

// b64Line is a line of base64 characters, b[lo:hi].
type b64Line struct{ lo, hi int }

func (l b64Line) len() int { return l.hi - l.lo }

// lineBefore returns the base64 line before the one that starts at
// b[lo], if a line end is between them; it reaches back no further than
// floor.
func lineBefore(b []byte, lo, floor int) (b64Line, bool) {
	p := sepBefore(b, lo)
	if p <= floor || !isB64[b[p-1]] {
		return b64Line{}, false
	}
	l := b64Line{p, p}
	for l.lo > floor && isB64[b[l.lo-1]] {
		l.lo--
	}
	if b[l.lo] == 'n' && l.lo > 0 && b[l.lo-1] == '\\' && l.lo+1 < l.hi {
		l.lo++ // the n of a JSON \n
	}
	return l, true
}

// lineAfter returns the base64 line after the one that ends at b[hi],
// if a line end is between them; more says a line end follows it too,
// cut that the buffer ends before that can be told (final: it cannot).
func lineAfter(b []byte, hi int, final bool) (l b64Line, ok, more, cut bool) {
	if hi+4 >= len(b) && !final {
		return l, false, false, true
	}
	n := lineSep(b, hi)
	if n == 0 {
		return l, false, false, false
	}
	l = b64Line{hi + n, hi + n}
	for l.hi < len(b) && isB64[b[l.hi]] {
		l.hi++
	}
	if l.hi+4 >= len(b) && !final {
		return l, false, false, true
	}
	return l, l.lo < l.hi, lineSep(b, l.hi) > 0, false
}

// lines returns the run that buf[lo:hi] is a line of, joined, if it is
// wrapped: two lines or more between line ends, all of one width (16 or
// more) but the last, which may be shorter. The width is the longest of
// the line and those before and after it. It reaches back no further
// than floor and joins at most b64Span characters.
func (s *base64s) lines(d *Decoder, lo, hi, floor int, final bool) (b64View, bool) {
	b := d.buf
	if b[lo] == 'n' && lo > 0 && b[lo-1] == '\\' && lo+1 < hi {
		lo++ // the n of a JSON \n
	}
	cur := b64Line{lo, hi}
	prev, hasPrev := lineBefore(b, lo, floor)
	next, hasNext, _, _ := lineAfter(b, hi, final)
	w := cur.len()
	if hasPrev {
		w = max(w, prev.len())
	}
	if hasNext {
		w = max(w, next.len())
	}
	if w < minWrap || !hasPrev && !hasNext {
		return b64View{}, false
	}
	// Back, over whole lines.
	ls := []b64Line{cur}
	atStart := true
	for l, ok := prev, hasPrev; ok && l.len() == w; l, ok = lineBefore(b, l.lo, floor) {
		if hi-l.lo > b64Span/2 {
			atStart = false
			break
		}
		ls = append(ls, l)
	}
	slices.Reverse(ls)
	if first := ls[0].lo; first > 0 && (first <= floor || isB64[b[first-1]]) {
		atStart = false
	}
	// On, while the last line is whole.
	joined := 0
	for _, l := range ls {
		joined += l.len()
	}
	atEnd := true
	for last := cur; last.len() == w; {
		l, ok, more, cut := lineAfter(b, last.hi, final)
		if cut || ok && l.len() <= w && joined+l.len() > b64Span {
			atEnd = false // it may go on
			break
		}
		if !ok || l.len() > w {
			break
		}
		ls = append(ls, l)
		last, joined = l, joined+l.len()
		if !more {
			break
		}
	}
	if len(ls) < 2 {
		return b64View{}, false
	}
	for _, l := range ls[:len(ls)-1] {
		if l.len() != w {
			return b64View{}, false // a short line before the last: no wrapping
		}
	}
	v := b64View{text: s.joined[:0], at: s.at[:0], atStart: atStart, atEnd: atEnd}
	for _, l := range ls {
		v.text = append(v.text, b[l.lo:l.hi]...)
		for i := l.lo; i < l.hi; i++ {
			v.at = append(v.at, int32(i))
		}
	}
	s.joined, s.at = v.text, v.at
	return v, true
}
