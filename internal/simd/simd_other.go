//go:build !amd64 || purego

package simd

// AVX2 is never available here: the portable code does all the work.
var AVX2 = false

func indexCio(data []byte) (int, int)                 { return -1, 0 }
func index3(data []byte, vecs []byte) (int, int)      { return -1, 0 }
func indexAssetEnd(data []byte) (int, int)            { return -1, 0 }
func indexHigh(data []byte) (int, int)                { return -1, 0 }
func indexCallQuote(data []byte) (int, int)           { return -1, 0 }
func teddy(data []byte, tabs *[6][32]byte) (int, int) { return -1, 0 }
func lines(data []byte) (int, int, int, int)          { return 0, -1, -1, 0 }
