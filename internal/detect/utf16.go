package detect

// Encodings of text as UTF-16.
const (
	EncUTF16LE = "UTF-16LE"
	EncUTF16BE = "UTF-16BE"
)

// utf16s is the decoding of UTF-16 text, either byte order, with a byte
// order mark or without: a token's characters come with a NUL each, on
// one side or the other ("c\0i\0o\0" or "\0c\0i\0o"). Its trigger is
// "\0i\0", in both orders; the token's "c" is the byte before it.
//
// Where both orders read the same token (the characters around it are
// ASCII too), the input's byte order mark names the order, else the
// offset: UTF-16 text starts at an even one, so the characters of
// little-endian text are at even offsets, those of big-endian at odd.
type utf16s struct {
	// until: per the characters' parity, triggers before it were decided
	// by an earlier decoding of the same stretch.
	until [2]int64
}

func (*utf16s) triggers() []string { return []string{"\x00i\x00"} }

func (u *utf16s) reset() { u.until = [2]int64{} }

func (u *utf16s) try(d *Decoder, k int, _ bool) int {
	b := d.buf
	q := k - 1 // the "c"
	if q < 0 || b[q] != 'c' {
		return k + 1
	}
	par := (d.base + int64(q)) & 1
	if d.base+int64(q) < u.until[par] {
		return k + 1
	}
	le, leEnd := u.read(d, q, 1)
	be, beEnd := u.read(d, q, -1)
	u.until[par] = d.base + int64(max(leEnd, beEnd))
	switch {
	case !le && !be:
		return k + 1
	case le && be:
		if bom := d.bom(); bom != "" {
			le = bom == EncUTF16LE
		} else {
			le = par == 0
		}
	}
	end := beEnd
	if le {
		end = leEnd
	}
	dec := d.dec[:0]
	for i := q; i < end; i += 2 {
		dec = append(dec, b[i])
	}
	d.dec = dec[:0]
	for _, m := range Find(dec) {
		if m.Offset != 0 {
			continue
		}
		m.Length = 2 * len(m.Token)
		if le {
			d.report(m, q, EncUTF16LE)
		} else {
			d.report(m, q-1, EncUTF16BE)
		}
	}
	return k + 1
}

// read reports whether the UTF-16 characters from b[q], with their high
// bytes on side h (+1: after, little-endian; -1: before, big-endian),
// are a word run of a token's length with non-word characters around
// it, and where the run ends (past a longer one's end).
func (u *utf16s) read(d *Decoder, q, h int) (bool, int) {
	b := d.buf
	word := func(i int) bool { // the character at b[i] is a word byte
		return i >= 0 && i < len(b) && i+h >= 0 && i+h < len(b) && b[i+h] == 0 && isWord[b[i]]
	}
	if word(q - 2) {
		return false, q
	}
	i := q
	for word(i) {
		i += 2
	}
	n := (i - q) / 2
	if n > tpLen {
		return false, i
	}
	// The character after: non-word, or the input's end (a cut one is
	// not decided here: the buffer keeps a tail past every candidate).
	return n == apiLen || n == tpLen, i
}
