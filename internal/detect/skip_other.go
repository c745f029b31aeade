//go:build !amd64 || purego

package detect

var useAVX2 = false

// indexCio has no accelerated form here.
func indexCio(data []byte) (idx int, ok bool) { return 0, false }

// index3 returns the first index in data where one of pats occurs, or -1.
func index3(data []byte, pats [][3]byte, vecs []byte) int { return index3Go(data, pats, 0) }
