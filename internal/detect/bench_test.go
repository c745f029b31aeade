package detect_test

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/cratesguard/cratesguard/internal/benchcorpus"
	"github.com/cratesguard/cratesguard/internal/detect"
)

// BenchmarkMatcher runs the matcher and its baselines over the same real
// minified JavaScript, CSS and source maps (see internal/benchcorpus),
// repeated to 100 MB so it streams from memory; the MB/s columns compare
// directly. bench/matcher.sh prints the ratios.
func BenchmarkMatcher(b *testing.B) {
	corpus := benchcorpus.Tiled(b, 100<<20)
	want := len(detect.Find(corpus))
	for _, impl := range detect.Implementations() {
		b.Run("cratesguard-"+impl, func(b *testing.B) {
			defer detect.Use(impl)()
			b.SetBytes(int64(len(corpus)))
			for b.Loop() {
				if n := len(detect.Find(corpus)); n != want {
					b.Fatal(n)
				}
			}
		})
	}
	b.Run("cratesguard-stream", func(b *testing.B) {
		var sc detect.Scanner
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			n := 0
			if err := sc.Scan(bytes.NewReader(corpus), func(detect.Match) { n++ }); err != nil || n != want {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("regexp", func(b *testing.B) {
		re := regexp.MustCompile(`\bcio[a-zA-Z0-9]{32}\b`)
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			re.FindAllIndex(corpus, -1)
		}
	})
	b.Run("bytes.Index", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			indexScan(corpus)
		}
	})
	b.Run("ceiling-bytes.Count", func(b *testing.B) {
		// No work at all: counting a byte absent from the corpus shows the memory-bandwidth ceiling.
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			bytes.Count(corpus, []byte{0xff})
		}
	})
}

// indexScan is the obvious matcher: find "cio" with bytes.Index, then check
// the 32 characters and the boundaries one by one.
func indexScan(data []byte) int {
	n := 0
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("cio"))
		if j < 0 {
			return n
		}
		p := i + j
		i = p + 1
		if p > 0 && isWordByte(data[p-1]) || p+35 > len(data) || (p+35 < len(data) && isWordByte(data[p+35])) {
			continue
		}
		ok := true
		for _, c := range data[p+3 : p+35] {
			if c == '_' || !isWordByte(c) {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// BenchmarkInPlace scans real minified JavaScript, CSS and source maps
// (100 MB, tiled) as a file is scanned: in place, block by block, with the
// matcher and the decoder over each block while it is in the cache and
// one vector search for both (internal/scan's scanBlocks, without the
// mapping); then the same bytes as files of 100 KiB, each scanned on its
// own as a directory's are (what a file costs besides its bytes).
// bench/file.sh measures the same end to end.
func BenchmarkInPlace(b *testing.B) {
	corpus := benchcorpus.Tiled(b, 100<<20)
	for _, c := range []struct {
		name        string
		file, block int
	}{{"file", len(corpus), 256 << 10}, {"files", 100 << 10, 100 << 10}} {
		b.Run(c.name, func(b *testing.B) {
			var sc detect.Scanner
			var dec detect.Decoder
			b.SetBytes(int64(len(corpus)))
			for b.Loop() {
				for at := 0; at < len(corpus); at += c.file {
					data := corpus[at:min(at+c.file, len(corpus))]
					inp := sc.InPlace(data, detect.Local(0), &dec, func(detect.Match) {})
					for end := c.block; ; end += c.block {
						inp.Step(min(end, len(data)))
						if inp.Seen() {
							inp.StateAt(min(end, len(data)))
						}
						if end >= len(data) {
							break
						}
					}
					inp.Finish()
				}
			}
		})
	}
}
