package crawl

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Kind says whether a link costs a hop of depth.
type Kind int

// Link kinds.
const (
	// Asset is loaded by the document that names it (script, stylesheet,
	// preload, source map, import, chunk): it does not use up depth.
	Asset Kind = iota
	// Page is navigated to (a href, iframe, form, sitemap entry): one hop.
	Page
)

// Link is a URL found in content.
type Link struct {
	URL  *url.URL
	Kind Kind
	// Guess marks links that may well not exist (string literals that look
	// like asset paths, probed well-known files): a 404 there is skipped,
	// not failed.
	Guess bool
	// Via says how it was found, for reports: "script src", "sourceMappingURL"…
	Via string
	// Probe marks the well-known files --probe asks for: fetched even at --depth 0.
	Probe bool
	// Base is the base the page or script that named it declares for its
	// runtime's bundle names (Qwik's q:base, Nuxt's buildAssetsDir, Vite's
	// base): bare names in what it serves resolve against it. Nil when
	// none was declared.
	Base *url.URL
}

// Extractor collects links from content written to it in any pieces.
type Extractor interface {
	io.Writer
	// Close ends the input and returns the links found, at most MaxLinks,
	// with warnings about what was passed over (links past the cap, an
	// HTML token too long to read).
	Close() ([]Link, []string)
}

// MaxLinks bounds the links taken from one response: a page listing a
// million links must not grow memory without end. Past it, links are
// counted and reported.
const MaxLinks = 10000

// NewExtractor returns the extractor for a kind of content at base, or nil
// when that kind has no links to follow. Source maps have none worth
// fetching: their sources are names in the build, rarely deployed files.
// runtime is the base the page that named it declared for bundle names
// (Link.Base), or nil.
func NewExtractor(c Content, base, runtime *url.URL) Extractor {
	switch c {
	case HTML:
		return newHTMLExtractor(base, runtime)
	case JS, JSON:
		e := &textExtractor{base: base, runtime: runtime}
		if c == JSON {
			e.bodyManifest()
		}
		return e
	case CSS:
		return &textExtractor{base: base, css: true}
	case Robots:
		return &lineExtractor{base: base, robots: true}
	case Sitemap:
		return &lineExtractor{base: base}
	}
	return nil
}

// links accumulates resolved links, skipping what cannot be fetched, up to
// MaxLinks.
type links struct {
	out     []Link
	dropped int
}

// full reports whether the cap is reached, counting the link that finds it so.
func (l *links) full() bool {
	if len(l.out) >= MaxLinks {
		l.dropped++
		return true
	}
	return false
}

// warnings says what was passed over.
func (l *links) warnings() []string {
	if l.dropped == 0 {
		return nil
	}
	return []string{fmt.Sprintf("more than %d links: %d more were not followed", MaxLinks, l.dropped)}
}

func (l *links) add(base *url.URL, ref string, k Kind, guess bool, via string) {
	if l.full() {
		return
	}
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return
	}
	lower := strings.ToLower(ref)
	for _, p := range []string{"javascript:", "mailto:", "tel:", "data:", "blob:", "about:"} {
		if strings.HasPrefix(lower, p) {
			return
		}
	}
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	u.Fragment = ""
	l.out = append(l.out, Link{URL: u, Kind: k, Guess: guess, Via: via})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
