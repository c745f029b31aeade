package detect

// reference is a deliberately naive matcher, written from the rules and not
// from the fast path, that the fuzz and property tests compare against. It
// shares no code with the matcher: its own character classes, its own
// checksum alphabet. It takes one thing from the package: whether a token
// is a placeholder (IsPlaceholder, which TestPlaceholders tests on its
// own), a label on a match, not whether it is one.
func reference(data []byte) []Match {
	word := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
	}
	alnum := func(c byte) bool { return c != '_' && word(c) }
	b64 := func(c byte) bool { return alnum(c) || c == '+' || c == '/' || c == '=' || c == '-' }
	side := func(s []byte) bool {
		up, lo := false, false
		for _, c := range s {
			if !b64(c) {
				return false
			}
			up = up || (c >= 'A' && c <= 'Z')
			lo = lo || (c >= 'a' && c <= 'z')
		}
		return up && lo
	}
	var out []Match
	line, col, col16 := 1, 1, 1
	for i := 0; i < len(data); i++ {
		if i > 0 {
			switch c := data[i-1]; {
			case c == '\n':
				line, col, col16 = line+1, 1, 1
			case c&0xc0 == 0x80: // a continuation byte: no new UTF-16 unit
				col++
			case c&0xf8 == 0xf0: // a four-byte sequence begins: two UTF-16 units
				col, col16 = col+1, col16+2
			default:
				col, col16 = col+1, col16+1
			}
		}
		if i > 0 && word(data[i-1]) {
			continue
		}
		try := func(prefix string, n int) bool {
			if i+n > len(data) || string(data[i:i+len(prefix)]) != prefix {
				return false
			}
			for _, c := range data[i+len(prefix) : i+n] {
				if !alnum(c) {
					return false
				}
			}
			return i+n == len(data) || !word(data[i+n])
		}
		var rule string
		var n int
		switch {
		case try("cio_tp_", 39):
			body := data[i+7 : i+39]
			x := byte(0)
			for _, c := range body[:31] {
				x ^= c
			}
			if body[31] != "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[int(x)%62] {
				continue
			}
			rule, n = RuleTrustedPublishing, 39
		case try("cio", 35):
			rule, n = RuleAPIToken, 35
		default:
			continue
		}
		if i >= 16 && i+n+16 <= len(data) && side(data[i-16:i]) && side(data[i+n:i+n+16]) {
			continue
		}
		tok := string(data[i : i+n])
		out = append(out, Match{Rule: rule, Token: tok, Offset: int64(i), Line: line, Column: col, Column16: col16,
			Length: n, Placeholder: IsPlaceholder([]byte(tok[len(tok)-32:]))})
	}
	return out
}
