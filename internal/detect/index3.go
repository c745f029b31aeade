package detect

// patternVectors lays three-byte patterns out for index3AVX2: each byte of
// each pattern repeated 32 times.
func patternVectors(pats [][3]byte) []byte {
	out := make([]byte, 0, 96*len(pats))
	for _, p := range pats {
		for _, c := range p {
			for range 32 {
				out = append(out, c)
			}
		}
	}
	return out
}

// index3Go is the portable search: the first i >= from where a pattern
// matches data[i:i+3], or -1.
func index3Go(data []byte, pats [][3]byte, from int) int {
	var first [256]bool
	for _, p := range pats {
		first[p[0]] = true
	}
	for i := from; i+3 <= len(data); i++ {
		if !first[data[i]] {
			continue
		}
		for _, p := range pats {
			if data[i] == p[0] && data[i+1] == p[1] && data[i+2] == p[2] {
				return i
			}
		}
	}
	return -1
}
