//go:build amd64 && !purego

package detect

import (
	"bytes"

	"golang.org/x/sys/cpu"
)

// useAVX2 selects the AVX2 search for "cio"; tests turn it off to check
// the pure-Go path against the same reference.
var useAVX2 = cpu.X86.HasAVX2

// indexCioAVX2 returns the first index of "cio" in data, or -1, and how
// many start positions it examined (it leaves a tail of under 34 bytes).
//
//go:noescape
func indexCioAVX2(data []byte) (idx int, checked int)

// indexCio finds "cio" in data with AVX2, and in the last few bytes with
// bytes.Index; ok is false where there is no AVX2.
func indexCio(data []byte) (idx int, ok bool) {
	if !useAVX2 {
		return 0, false
	}
	i, checked := indexCioAVX2(data)
	if i >= 0 {
		return i, true
	}
	if j := bytes.Index(data[checked:], cioPrefix); j >= 0 {
		return checked + j, true
	}
	return -1, true
}

// index3AVX2 finds the first place any of several three-byte patterns
// occurs (pats: 96 bytes a pattern, see patternVectors).
//
//go:noescape
func index3AVX2(data []byte, pats []byte) (idx int, checked int)

// index3 returns the first index in data where one of pats (three bytes
// each; vecs is patternVectors(pats)) occurs, or -1.
func index3(data []byte, pats [][3]byte, vecs []byte) int {
	i, checked := 0, 0
	if useAVX2 && len(pats) > 0 {
		if i, checked = index3AVX2(data, vecs); i >= 0 {
			return i
		}
	}
	return index3Go(data, pats, checked)
}
