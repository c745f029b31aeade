package locate

import "strings"

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// Lookup decodes source map v3 mappings and returns the source index and
// 1-based original line of the segment covering the 1-based generated line
// and column: the last segment on that line starting at or before it.
func Lookup(mappings string, line, col int) (src, origLine int, ok bool) {
	var s, ol int // source index and original line carry across lines
	for gl, lineMap := range strings.Split(mappings, ";") {
		gc := 0
		found := false
		for _, seg := range strings.Split(lineMap, ",") {
			if seg == "" {
				continue
			}
			v, good := vlq(seg)
			if !good {
				return 0, 0, false
			}
			gc += v[0]
			if len(v) >= 4 {
				s += v[1]
				ol += v[2]
				// v[3] (original column) and v[4] (name) are not needed.
			}
			if gl == line-1 && gc <= col-1 && len(v) >= 4 {
				src, origLine, found = s, ol+1, true
			}
		}
		if gl == line-1 {
			return src, origLine, found
		}
	}
	return 0, 0, false
}

// vlq decodes one segment's base64 VLQ fields.
func vlq(seg string) ([]int, bool) {
	var out []int
	val, shift := 0, 0
	for i := 0; i < len(seg); i++ {
		d := strings.IndexByte(b64, seg[i])
		if d < 0 {
			return nil, false
		}
		val |= (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		n := val >> 1
		if val&1 == 1 {
			n = -n
		}
		out = append(out, n)
		val, shift = 0, 0
	}
	return out, shift == 0
}
