package findings

import "strings"

// Case copies. A search index lowercases the text it indexes, so a token in
// a page is also in the index, lowercased: a token shape of its own, with
// a SHA-256 of its own, though it is no token crates.io ever issued. A
// token all of one case whose other-case letters are those of a token
// found in the same run (with both cases, as issued tokens have) is a copy
// of that token: one of its places, its encoding saying so. A copy found
// first is absorbed when its token is found. A copy whose token is never
// found stays a token of its own.

// Encodings of a copy's place.
const (
	EncLowercased = "lowercased copy"
	EncUppercased = "uppercased copy"
)

// caseCopy says what copy tok may be: EncLowercased when it has no upper
// case letter, EncUppercased when it has no lower case one, "" when it has
// both (a token of its own).
func caseCopy(tok string) string {
	switch {
	case tok == strings.ToLower(tok):
		return EncLowercased
	case tok == strings.ToUpper(tok):
		return EncUppercased
	}
	return ""
}

// withCopy adds a copy's name to the encoding a place was found under.
func withCopy(enc, copy string) string {
	if enc == "" {
		return copy
	}
	return enc + ", " + copy
}

// folded is the key a token and its case copies share.
func folded(rule, tok string) string { return rule + "\x00" + strings.ToLower(tok) }

// copyOf returns the finding of the token that tok is a case copy of, if
// that token was found, and names the copy in loc's encoding. c.mu is held.
func (c *Collector) copyOf(rule, tok string, loc *Location) *Finding {
	kind := caseCopy(tok)
	if kind == "" {
		return nil
	}
	key, ok := c.cased[folded(rule, tok)]
	if !ok {
		return nil
	}
	loc.Encoding = withCopy(loc.Encoding, kind)
	return c.byKey[key]
}

// absorbCopies makes f, a new finding of a token with both cases (under
// key), the token its case copies are places of: those found before it
// move into it. c.mu is held.
func (c *Collector) absorbCopies(f *Finding, rule, key string) {
	tok := f.Token.Reveal()
	if caseCopy(tok) != "" {
		return
	}
	if c.cased == nil {
		c.cased = map[string]string{}
	}
	c.cased[folded(rule, tok)] = key
	for _, cp := range []string{strings.ToLower(tok), strings.ToUpper(tok)} {
		k := rule + "\x00" + cp
		g, ok := c.byKey[k]
		if !ok {
			continue
		}
		delete(c.byKey, k)
		if !g.Placeholder {
			c.tokens--
		}
		unkept := g.Occurrences - len(g.Locations)
		for _, l := range g.Locations {
			l.Encoding = withCopy(l.Encoding, caseCopy(cp))
			f.addPlace(l, keyOf(l, StablePath(l)), c.perToken)
		}
		f.Occurrences += unkept
	}
}
