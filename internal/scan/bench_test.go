package scan

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/cratesguard/cratesguard/internal/benchcorpus"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// BenchmarkBody measures the per-body work of the pipeline on real
// minified JavaScript: the matcher alone (baseline), then with the decoder
// for encoded tokens, then with link extraction as well.
func BenchmarkBody(b *testing.B) {
	corpus := benchcorpus.Concat(b)
	base, _ := url.Parse("https://example.com/static/app.js")
	e := newEngine(config.Defaults(), Options{})
	var sc worker
	b.Run("matcher", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			sc.sc.Scan(bytes.NewReader(corpus), func(detect.Match) {})
		}
	})
	b.Run("matcher+decoder", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			e.scanBody(&sc, bytes.NewReader(corpus), crawl.Text, linksAt{}, findings.Location{}, nil)
		}
	})
	b.Run("matcher+decoder+links", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		for b.Loop() {
			e.scanBody(&sc, bytes.NewReader(corpus), crawl.JS, linksAt{url: base}, findings.Location{}, nil)
		}
	})
}
