package crawl

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// capture collects one value of a text as it streams past: a JSON object
// or array (a route manifest assigned to a global), or a JavaScript string
// literal (the JSON that JSON.parse("…") is given). A text extractor keeps
// only a window of what it read, so a manifest longer than that window is
// gathered here, up to maxCapture bytes, and handed whole to into.
type capture struct {
	into  func([]byte)
	quote byte // the quote of a string literal; 0 for a JSON value
	buf   []byte
	next  int64 // absolute offset of the next byte to take
	depth int
	inStr bool
	esc   bool
	// body: the whole text is the value (a JSON file): it may end with the text.
	body bool
	done bool
}

// maxCapture bounds one captured value: a route manifest of some thousands
// of routes. Past it the value is dropped, and the drop reported.
const maxCapture = 1 << 20

// maxCaptures bounds the values being captured at once in one text.
const maxCaptures = 2

// feed takes p, the text's bytes from c.next on, until the value ends. It
// reports false when the value outgrew maxCapture.
func (c *capture) feed(p []byte) bool {
	for i, ch := range p {
		switch {
		case c.quote != 0:
			if len(c.buf) == 0 { // the opening quote
				c.buf = append(c.buf, ch)
				continue
			}
			switch {
			case c.esc:
				c.esc = false
			case ch == '\\':
				c.esc = true
			case ch == c.quote:
				c.finish(c.buf[1:])
				return true
			}
		case c.inStr:
			switch {
			case c.esc:
				c.esc = false
			case ch == '\\':
				c.esc = true
			case ch == '"':
				c.inStr = false
			}
		case ch == '"':
			c.inStr = true
		case ch == '{' || ch == '[':
			c.depth++
		case ch == '}' || ch == ']':
			c.depth--
			if c.depth <= 0 {
				c.buf = append(c.buf, ch)
				c.finish(c.buf)
				return true
			}
		}
		c.buf = append(c.buf, ch)
		if len(c.buf) > maxCapture {
			c.done, c.buf = true, nil
			c.next += int64(i + 1)
			return false
		}
	}
	c.next += int64(len(p))
	return true
}

func (c *capture) finish(v []byte) {
	c.done = true
	c.into(v)
	c.buf = nil
}

// end ends the text: a whole-text value is complete, any other is not.
func (c *capture) end() {
	if !c.done && c.body {
		c.finish(c.buf)
	}
	c.done, c.buf = true, nil
}

// captures are the values a text is capturing, and how many outgrew
// maxCapture or were passed over (more than maxCaptures at once).
type captures struct {
	active []*capture
	over   int
	busy   int
}

// start begins capturing at the absolute offset at (a quote, or where a
// JSON value begins).
func (cs *captures) start(at int64, quote byte, body bool, into func([]byte)) {
	if len(cs.active) >= maxCaptures {
		cs.busy++
		return
	}
	cs.active = append(cs.active, &capture{into: into, quote: quote, next: at, body: body})
}

// feed gives every capture what it has not seen of b, whose first byte is
// at absolute offset off; final ends the text.
func (cs *captures) feed(off int64, b []byte, final bool) {
	kept := cs.active[:0]
	for _, c := range cs.active {
		if i := c.next - off; i >= 0 && i <= int64(len(b)) && !c.feed(b[i:]) {
			cs.over++
		}
		if final {
			c.end()
		}
		if !c.done {
			kept = append(kept, c)
		}
	}
	cs.active = kept
}

func (cs *captures) warnings() []string {
	var w []string
	if cs.over > 0 {
		w = append(w, fmt.Sprintf("%d route manifest%s or page map%s over %d KiB not read", cs.over, plural(cs.over), plural(cs.over), maxCapture>>10))
	}
	if cs.busy > 0 {
		w = append(w, fmt.Sprintf("%d route manifest%s or page map%s not read: more than %d at once", cs.busy, plural(cs.busy), plural(cs.busy), maxCaptures))
	}
	return w
}

// unquoteJS returns the value of a JavaScript string literal's contents
// (between the quotes): the escapes JSON.stringify writes, and \' \/ \x.
func unquoteJS(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u', 'x':
			n := 4
			if c == 'x' {
				n = 2
			}
			if i+n < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += n
					continue
				}
			}
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteByte(c) // \" \' \\ \/ and any other: the character
		}
	}
	return b.String()
}
