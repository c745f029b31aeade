package detect

// Scanning in place: a large file is scanned window by window (and windows
// in parallel), each from the state its first byte has in the whole input.
// Start carries that state; Advance and Then let a caller compute it for
// every window with one counting pass per window, the windows counted
// independently of one another.

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

// Advance returns the state after data, which starts at s.
func (s Start) Advance(data []byte) Start {
	st := state{base: s.Offset, line: s.Line, lineBase: s.LineStart, adj: s.Adj}
	st.advance(data, len(data))
	return Start{Offset: s.Offset + int64(len(data)), Line: st.line, LineStart: st.lineBase, Adj: st.adj}
}

// Then is the state d reached from Local(s.Offset), seen from s: where
// the text before s.Offset is known.
func (s Start) Then(d Start) Start {
	if d.LineStart > s.Offset { // a newline in between
		return Start{Offset: d.Offset, Line: s.Line + d.Line - 1, LineStart: d.LineStart, Adj: d.Adj}
	}
	return Start{Offset: d.Offset, Line: s.Line, LineStart: s.LineStart, Adj: s.Adj + d.Adj}
}

// ScanBytes scans data, which starts at s, to its end, in place: data is
// never copied or written to (it may be a read-only mapping of a file).
func (sc *Scanner) ScanBytes(data []byte, s Start, fn func(Match)) {
	st := state{base: s.Offset, line: s.Line, lineBase: s.LineStart, adj: s.Adj}
	st.scan(data, true, fn)
}

// ScanBytes decodes data, which starts at s, to its end, in place, and
// calls fn for each encoded token: data is never copied or written to.
// The Decoder is ready for Reset afterwards.
func (d *Decoder) ScanBytes(data []byte, s Start, fn func(Match)) {
	own := d.buf
	d.Reset(fn)
	d.buf, d.base, d.line, d.lnBase, d.adj, d.done = data, s.Offset, s.Line, s.LineStart, s.Adj, s.Offset
	d.process(true)
	d.buf = own[:0] // never keep a slice of the caller's data: it would be appended to
}
