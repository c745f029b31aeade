package detect

import "sort"

// Scanning in place: a large file is scanned window by window (and windows
// in parallel), each counting its lines from its own start (Local); Then
// turns a window's count into the file's once the windows before it are
// counted, and the caller moves its matches there.

// Start is the state of a scan at an offset: the line there, where that
// line starts, and how many more bytes than UTF-16 code units lie between
// the two.
type Start struct {
	Offset    int64
	Line      int
	LineStart int64
	Adj       int
}

// Local is the state at offset off of an input whose text before off is
// not known (yet): line 1, starting there.
func Local(off int64) Start { return Start{Offset: off, Line: 1, LineStart: off} }

// Then is the state d reached from Local(s.Offset), seen from s: where
// the text before s.Offset is known.
func (s Start) Then(d Start) Start {
	if d.LineStart > s.Offset { // a newline in between
		return Start{Offset: d.Offset, Line: s.Line + d.Line - 1, LineStart: d.LineStart, Adj: d.Adj}
	}
	return Start{Offset: d.Offset, Line: s.Line, LineStart: s.LineStart, Adj: s.Adj + d.Adj}
}

// InPlace scans one window of an input in place, block by block, with
// the matcher and the decoder over the same bytes while they are in the
// cache, and one count of its lines: the matcher's, which the decoder
// looks its matches' lines up in (see Decoder.marks).
type InPlace struct {
	data []byte
	st   state
	dec  *Decoder
	fn   func(Match)
	own  []byte // the decoder's own buffer, given back at the end
	// cands are where the decoder's patterns start, found by one vector
	// search for both: the matcher looks its "cio"s up there. Positions
	// before searched have been searched for. Past MaxCands (input made
	// of patterns), each goes back to its own search.
	cands    []int32
	searched int
	listed   bool
	seen     bool // a pattern was found (or the list given up)
}

// MaxCands bounds the pattern positions listed for a window (a variable
// for tests).
var MaxCands = 1 << 16

// InPlace starts scanning data, which starts at s, in place with the
// Scanner's matcher and dec, calling fn for each match. The Scanner's
// next InPlace reuses what it returns: one at a time.
func (sc *Scanner) InPlace(data []byte, s Start, dec *Decoder, fn func(Match)) *InPlace {
	// The list is never nil while it is kept, even empty: nil tells both
	// stages to search for themselves (see find).
	cands := sc.ip.cands[:0]
	if cands == nil {
		cands = make([]int32, 0, 64)
	}
	p := &sc.ip
	*p = InPlace{data: data, dec: dec, fn: fn, own: dec.buf, cands: cands}
	p.st = state{base: s.Offset, line: s.Line, lineBase: s.LineStart, adj: s.Adj}
	dec.Reset(fn)
	dec.buf, dec.base, dec.line, dec.lnBase, dec.adj, dec.done = data[:0], s.Offset, s.Line, s.LineStart, s.Adj, s.Offset
	dec.curPos, dec.curLines, dec.curAdj, dec.curLnBase = 0, 0, s.Adj, s.LineStart
	dec.marks = append(dec.marks, s)
	if s.Offset == 0 {
		dec.keepHead(data)
	}
	p.listed = true
	return p
}

// find lists the pattern positions before upto (each pattern's three
// bytes before it), and hands the list to both.
func (p *InPlace) find(upto int) {
	if !p.listed {
		return
	}
	// What both have passed is dropped: the matcher resumes at its resume
	// point, the decoder at done.
	keep := min(p.st.resume, int(p.dec.done-p.dec.base))
	i := sort.Search(len(p.cands), func(i int) bool { return int(p.cands[i]) >= keep })
	if i > len(p.cands)/2 {
		p.cands = append(p.cands[:0], p.cands[i:]...)
	}
	for from := p.searched; from+3 <= upto; {
		j := candidates.Index3(p.data[from:upto])
		if j < 0 {
			break
		}
		p.cands, p.seen = append(p.cands, int32(from+j)), true
		from += j + 1
		if len(p.cands) > MaxCands {
			// Dense patterns: each stage's own search does better.
			p.listed, p.cands = false, nil
			p.st.cands, p.dec.cands = nil, nil
			return
		}
	}
	p.searched = max(p.searched, upto-2)
	p.st.cands, p.dec.cands = p.cands, p.cands
}

// Step decides what it can before data[upto]: the matcher all but a
// token's length, the decoder all but its tail.
func (p *InPlace) Step(upto int) {
	p.find(upto)
	p.st.resume = p.st.scan(p.data[:upto], false, p.fn)
	p.dec.buf = p.data[:upto]
	if limit := upto - decTail; int64(limit) > p.dec.done-p.dec.base {
		p.dec.candidates(limit, false)
	}
}

// Seen reports whether a pattern has been found in data so far. Until
// one is, neither stage can report a match, and no one needs the lines
// counted: a caller may leave StateAt out (the first StateAt after counts
// from the start, once).
func (p *InPlace) Seen() bool { return p.seen }

// Decided is how much of data both have decided: nothing before it is
// read again (but for a base64 run's reach back, b64Span/2).
func (p *InPlace) Decided() int {
	return max(min(p.st.resume, int(p.dec.done-p.dec.base))-b64Span/2-decContext, 0)
}

// StateAt counts lines to data[at], which must not be before the last
// Step's upto, and returns the state there (the decoder keeps it too).
// The matcher's own count stops at its resume point: it may yet report a
// token before at (one whose right context the block cut), at the line
// and column it has there.
func (p *InPlace) StateAt(at int) Start {
	stop := min(at, p.st.resume)
	p.st.advance(p.data, stop)
	s := Start{Offset: p.st.base + int64(at), Line: p.st.line, LineStart: p.st.lineBase, Adj: p.st.adj}
	n, lineStart, adj := lines(p.data[stop:at], p.st.base+int64(stop))
	if n > 0 {
		s.Line, s.LineStart, s.Adj = s.Line+n, lineStart, 0
	}
	s.Adj += adj
	p.dec.marks = append(p.dec.marks, s)
	return s
}

// GoesOn says the input goes on past data: what a decoding must read
// whole and finds cut at data's end is said in a note (Decoder.Notes).
func (p *InPlace) GoesOn() { p.dec.goesOn = true }

// Finish decides everything left, to the end of data.
func (p *InPlace) Finish() {
	p.find(len(p.data))
	p.st.scan(p.data, true, p.fn)
	p.dec.buf = p.data
	p.dec.candidates(len(p.data), true)
	p.dec.buf = p.own[:0] // never keep a slice of the caller's data: it would be appended to
	p.dec.marks, p.dec.cands = p.dec.marks[:0], nil
}
