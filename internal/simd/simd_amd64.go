//go:build amd64 && !purego

package simd

import "golang.org/x/sys/cpu"

// AVX2 selects the assembly searches; tests turn it off to check the
// portable code against the same expectations.
var AVX2 = cpu.X86.HasAVX2

//go:noescape
func indexCioAVX2(data []byte) (idx int, checked int)

//go:noescape
func index3AVX2(data []byte, pats []byte) (idx int, checked int)

//go:noescape
func indexAssetEndAVX2(data []byte) (idx int, checked int)

//go:noescape
func indexHighAVX2(data []byte) (idx int, checked int)

func indexHigh(data []byte) (int, int) {
	if !AVX2 {
		return -1, 0
	}
	return indexHighAVX2(data)
}

func indexCio(data []byte) (int, int) {
	if !AVX2 {
		return -1, 0
	}
	return indexCioAVX2(data)
}

func index3(data []byte, vecs []byte) (int, int) {
	if !AVX2 || len(vecs) == 0 {
		return -1, 0
	}
	return index3AVX2(data, vecs)
}

func indexAssetEnd(data []byte) (int, int) {
	if !AVX2 {
		return -1, 0
	}
	return indexAssetEndAVX2(data)
}

//go:noescape
func indexCallQuoteAVX2(data []byte) (idx int, checked int)

func indexCallQuote(data []byte) (int, int) {
	if !AVX2 {
		return -1, 0
	}
	return indexCallQuoteAVX2(data)
}

//go:noescape
func teddyAVX2(data []byte, tabs *[6][32]byte) (idx int, checked int)

func teddy(data []byte, tabs *[6][32]byte) (int, int) {
	if !AVX2 {
		return -1, 0
	}
	return teddyAVX2(data, tabs)
}

//go:noescape
func linesAVX2(data []byte) (count, lastNL, lastHigh, checked int)

func lines(data []byte) (count, lastNL, lastHigh, checked int) {
	if !AVX2 {
		return 0, -1, -1, 0
	}
	return linesAVX2(data)
}
