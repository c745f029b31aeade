//go:build !amd64 || purego

package detect

var useAVX2 = false

// indexCio has no accelerated form here.
func indexCio(data []byte) (idx int, ok bool) { return 0, false }
