package detect_test

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/cratesguard/cratesguard/internal/benchcorpus"
	"github.com/cratesguard/cratesguard/internal/detect"
)

// TestRealCodeIsQuiet decodes real code and finds nothing in it: the
// bundler output and the site under testdata (their tokens are
// placeholders the tests fill in), and, where a benchmark has fetched
// it, the benchmark corpus (28 MB of minified libraries, CSS and source
// maps), whole and its first 4 MB as UTF-16.
func TestRealCodeIsQuiet(t *testing.T) {
	var files []string
	filepath.WalkDir(filepath.Join("..", "..", "testdata"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 20 {
		t.Fatalf("only %d files under testdata", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeAll(b, 0); len(got) != 0 {
			t.Errorf("%s: %s", p, found(got, ""))
		}
	}
	if testing.Short() {
		return
	}
	corpus, ok := benchcorpus.Cached()
	if !ok {
		t.Logf("the benchmark corpus is not in the cache (go test -bench fetches it): testdata only")
		return
	}
	t.Logf("the benchmark corpus: %.0f MB", float64(len(corpus))/1e6)
	for name, in := range map[string][]byte{"the corpus": corpus, "the corpus in UTF-16": utf16Bytes(string(corpus[:4<<20]), binary.LittleEndian)} {
		var got []detect.Match
		for _, m := range decodeAll(in, 1<<16) {
			if m.Encoding != "" {
				got = append(got, m)
			}
		}
		if len(got) != 0 {
			t.Errorf("%s: %s", name, found(got, ""))
		}
		if n := bytes.Count(in, []byte("cio")); name == "the corpus" && n == 0 {
			t.Errorf("%s holds no cio: not the corpus", name)
		}
	}
}
