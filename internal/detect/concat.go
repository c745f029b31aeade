package detect

// EncConcat names tokens found split across JavaScript string literals.
const EncConcat = "JavaScript string concatenation"

// concats is the decoding of a token split across the string literals
// of one JavaScript expression, minified or not: "cio…" + "…" (quotes of
// any kind, template literals without substitutions), ["cio…", "…"].join("")
// and "cio…".concat("…", "…"). The token's first piece holds its "cio",
// the trigger; the literals after it are read on, and their word
// characters joined, until a non-word character ends the run (or the
// expression ends). A piece before the one that holds "cio" must end in
// a non-word character.
//
// It reads on at most concatReach bytes past the "cio": an array's
// .join("") further on is not seen.
type concats struct {
	// until: a "cio" before it is inside a word run decoded already.
	until int64
}

// concatReach bounds how far past its trigger an expression is read
// (less than decTail: the buffer holds that much past every candidate).
const concatReach = 1536

func (*concats) triggers() []string { return []string{"cio"} }

func (c *concats) reset() { c.until = 0 }

func isQuote(q byte) bool { return q == '"' || q == '\'' || q == '`' }

func (c *concats) try(d *Decoder, k int, final bool) int {
	b := d.buf
	if d.base+int64(k) < c.until || k > 0 && isWord[b[k-1]] {
		return k + 1
	}
	j := k
	for j < len(b) && isWord[b[j]] && j-k <= tpLen {
		j++
	}
	if j == len(b) || !isQuote(b[j]) {
		return k + 1 // the token's first piece does not end at a quote
	}
	q := b[j]
	open := openingQuote(b, k, q)
	if open < 0 || open == k-1 && gluedBefore(b, open) {
		return k + 1
	}
	p := pieces{b: b, end: min(len(b), k+concatReach), dec: append(d.dec[:0], b[k:j]...)}
	p.inputEnd = final && p.end == len(b)
	p.read(j)
	d.dec = p.dec[:0]
	if !p.closed {
		return k + 1
	}
	n := len(p.dec)
	if n > tpLen {
		c.until = d.base + int64(p.last)
		return k + 1
	}
	if n != apiLen && n != tpLen {
		return k + 1
	}
	for _, m := range Find(p.dec) {
		if m.Offset == 0 && !d.plainHit(k, m.Token) {
			m.Length = p.last - k
			d.report(m, k, EncConcat)
		}
	}
	return k + 1
}

// openingQuote returns where the literal that holds b[k] and ends at the
// quote q opens: the first q before k, on the same line unless q is a
// backtick, within 256 bytes; -1 if there is none.
func openingQuote(b []byte, k int, q byte) int {
	for i := k - 1; i >= max(0, k-256); i-- {
		switch {
		case b[i] == q && (i == 0 || b[i-1] != '\\'):
			return i
		case b[i] == '\n' && q != '`':
			return -1
		}
	}
	return -1
}

// gluedBefore reports whether a literal that opens at b[open] follows
// another piece of the same expression that ends in a word character:
// "ab" + "cio…", ["ab", "cio…"].join(""), "ab".concat("cio…").
func gluedBefore(b []byte, open int) bool {
	i := skipSpaceBack(b, open)
	switch {
	case i > 0 && (b[i-1] == '+' || b[i-1] == ','):
		i = skipSpaceBack(b, i-1)
	case i >= 8 && string(b[i-8:i]) == ".concat(":
		i -= 8
	default:
		return false
	}
	// A literal's closing quote, and its last character.
	return i >= 2 && isQuote(b[i-1]) && isWord[b[i-2]]
}

func skipSpaceBack(b []byte, i int) int {
	for i > 0 && isSpace(b[i-1]) {
		i--
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// pieces reads the literals of an expression after its first.
type pieces struct {
	b      []byte
	end    int    // nothing at or past it is read
	dec    []byte // the word run so far
	ended  bool   // a non-word character ended the run
	last   int    // where the last character of the run read is, plus one
	closed bool   // the expression was read to a point where the run is decided
	// inputEnd says the input ends at end (else it may go on).
	inputEnd bool
}

// read goes on from the closing quote at b[j] of the first literal.
func (p *pieces) read(j int) {
	b := p.b
	p.last = j
	array, calls := false, 0
	for i := j + 1; ; {
		i = p.skipSpace(i)
		if i >= p.end {
			// The input's end ends the expression; the reach's end
			// leaves it undecided.
			p.closed = p.inputEnd && !array && calls == 0
			return
		}
		switch c := b[i]; {
		case c == '+' && !array && calls == 0:
			i = p.skipSpace(i + 1)
		case c == ',' && (array || calls > 0):
			i = p.skipSpace(i + 1)
		case c == ',' && !p.ended:
			// An array's next element: the run goes on only if the
			// array is joined with "".
			array = true
			i = p.skipSpace(i + 1)
		case c == '.' && hasAt(b, i, ".concat(") && !array:
			calls++
			i = p.skipSpace(i + len(".concat("))
		case c == ')' && calls > 0:
			calls--
			i++
			continue
		case c == ']' && array:
			p.closed = joinedEmpty(b[i+1 : p.end])
			return
		default:
			// The expression ends: the run with it, unless an array
			// or a call is still open.
			p.closed = !array && calls == 0
			return
		}
		if i >= p.end || !isQuote(b[i]) {
			p.closed = !array && calls == 0 && p.ended
			return
		}
		if i = p.literal(i); i < 0 {
			return
		}
		if p.ended && !array && calls == 0 {
			p.closed = true
			return
		}
		if len(p.dec) > tpLen {
			p.closed = true
			return
		}
	}
}

func (p *pieces) skipSpace(i int) int {
	for i < p.end && isSpace(p.b[i]) {
		i++
	}
	return i
}

// literal reads the literal that opens at b[i] and returns where it
// closes, plus one (-1: not within reach). An escape or a template's
// substitution ends the run, as any non-word character does.
func (p *pieces) literal(i int) int {
	b := p.b
	q := b[i]
	for i++; i < p.end; i++ {
		c := b[i]
		switch {
		case c == q:
			return i + 1
		case c == '\\':
			p.ended = true
			i++
		case c == '\n' && q != '`':
			return -1
		case !p.ended && isWord[c]:
			p.dec = append(p.dec, c)
			p.last = i + 1
		default:
			p.ended = true
		}
	}
	return -1
}

// joinedEmpty reports whether b, after an array's ], is .join("").
func joinedEmpty(b []byte) bool {
	i := 0
	skip := func() {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
	}
	skip()
	if !hasAt(b, i, ".join(") {
		return false
	}
	i += len(".join(")
	skip()
	if i+1 >= len(b) || !isQuote(b[i]) || b[i+1] != b[i] {
		return false
	}
	i += 2
	skip()
	return i < len(b) && b[i] == ')'
}

func hasAt(b []byte, i int, s string) bool { return i+len(s) <= len(b) && string(b[i:i+len(s)]) == s }
