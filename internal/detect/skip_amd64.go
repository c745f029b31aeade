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
