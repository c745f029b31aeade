package detect

import (
	"math/rand/v2"
	"testing"
)

func TestIndex3MatchesPortable(t *testing.T) {
	pats := [][3]byte{{'c', 'i', 'o'}, {'0', '6', '3'}, {'x', '6', '3'}, {'Y', '2', 'l'}}
	vecs := patternVectors(pats)
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("cio063xY2l.; ")
	for n := 0; n < 300; n++ {
		data := make([]byte, n)
		for i := range data {
			data[i] = alphabet[r.IntN(len(alphabet))]
		}
		for from := 0; from < len(data); from += 1 + n/5 {
			if got, want := index3(data[from:], pats, vecs), index3Go(data[from:], pats, 0); got != want {
				t.Fatalf("len %d from %d: index3 %d, portable %d", n, from, got, want)
			}
		}
	}
}
