package detect

// EncHex names tokens found written as hex bytes.
const EncHex = "hex"

// hexes is the decoding of text written as hex bytes, two digits a byte,
// either case: Buffer.from("63696f…", "hex"), a key dumped as hex. "cio"
// is 63696f: its triggers are 96f and 96F, three digits into it. The hex
// run must stand alone (no letter or digit glued to it but a 0x before),
// or the bytes around the token in it must be no word bytes.
type hexes struct {
	// until: per alignment (an offset's parity), triggers before it were
	// decided by an earlier decoding of the same stretch.
	until [2]int64
}

func (*hexes) triggers() []string { return []string{"96f", "96F"} }

func (h *hexes) reset() { h.until = [2]int64{} }

func (h *hexes) try(d *Decoder, k int, _ bool) int {
	b := d.buf
	s := k - 3
	if s < 0 || string(b[s:k]) != "636" {
		return k + 1
	}
	par := (d.base + int64(s)) & 1
	if d.base+int64(s) < h.until[par] {
		return k + 1
	}
	// Where the hex run starts (not further back than the unit before).
	switch {
	case s >= 2 && isHex(b[s-1]) && isHex(b[s-2]):
		if v := hexValue(b, s-2, 2); isWord[v] {
			// Inside a word run: no token starts here; mark the run's rest.
			h.until[par] = d.base + int64(hexRunEnd(b, s))
			return k + 1
		}
	case s >= 1 && isHex(b[s-1]):
		return k + 1 // an odd digit before: another alignment
	case s >= 1 && isAlnum[b[s-1]] && !(b[s-1] == 'x' && s >= 2 && b[s-2] == '0'):
		return k + 1 // glued to a word
	}
	dec := d.dec[:0]
	j := s
	for ; j+1 < len(b) && isHex(b[j]) && isHex(b[j+1]) && len(dec) <= tpLen; j += 2 {
		c := byte(hexValue(b, j, 2))
		if !isWord[c] {
			break
		}
		dec = append(dec, c)
	}
	d.dec = dec[:0]
	if len(dec) > tpLen {
		h.until[par] = d.base + int64(hexRunEnd(b, j))
		return k + 1
	}
	h.until[par] = d.base + int64(j)
	// The run ends at a non-word byte, or with the hex: then nothing
	// but a non-word character may follow.
	if n := len(dec); n != apiLen && n != tpLen {
		return k + 1
	}
	if j+1 < len(b) && isHex(b[j]) && isHex(b[j+1]) || j == len(b) || !isHex(b[j]) && !isAlnum[b[j]] {
		for _, m := range Find(dec) {
			if m.Offset == 0 {
				m.Length = 2 * len(m.Token)
				d.report(m, s, EncHex)
			}
		}
	}
	return k + 1
}

// hexRunEnd returns where the word run that the hex bytes at b[j] go on
// with ends: the first pair that is no word byte, or the end of the hex.
func hexRunEnd(b []byte, j int) int {
	for ; j+1 < len(b) && isHex(b[j]) && isHex(b[j+1]); j += 2 {
		if !isWord[hexValue(b, j, 2)] {
			break
		}
	}
	return j
}
