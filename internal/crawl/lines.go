package crawl

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// lineExtractor reads robots.txt (Sitemap, Allow and Disallow lines) and
// sitemaps (<loc> elements).
type lineExtractor struct {
	base   *url.URL
	robots bool
	buf    []byte
	l      links
}

func (e *lineExtractor) Write(p []byte) (int, error) {
	e.buf = append(e.buf, p...)
	if e.robots {
		for {
			i := bytes.IndexByte(e.buf, '\n')
			if i < 0 {
				break
			}
			e.line(string(e.buf[:i]))
			e.buf = e.buf[i+1:]
		}
		if len(e.buf) > 4096 {
			e.buf = e.buf[:0] // an absurd line: drop it
		}
		return len(p), nil
	}
	for {
		i := bytes.Index(e.buf, []byte("<loc>"))
		if i < 0 {
			if len(e.buf) > 8 {
				e.buf = e.buf[len(e.buf)-8:]
			}
			break
		}
		j := bytes.Index(e.buf[i:], []byte("</loc>"))
		if j < 0 {
			e.buf = e.buf[i:]
			if len(e.buf) > 4096 {
				e.buf = e.buf[:0]
			}
			break
		}
		loc := html.UnescapeString(string(e.buf[i+5 : i+j]))
		e.l.add(e.base, loc, Page, true, "sitemap")
		e.buf = e.buf[i+j+6:]
	}
	return len(p), nil
}

func (e *lineExtractor) Close() ([]Link, []string) {
	if e.robots && len(e.buf) > 0 {
		e.line(string(e.buf))
	}
	return e.l.out, e.l.warnings()
}

func (e *lineExtractor) line(s string) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		return
	}
	v = strings.TrimSpace(v)
	switch strings.ToLower(strings.TrimSpace(k)) {
	case "sitemap":
		e.l.add(e.base, v, Page, true, "robots.txt Sitemap")
	case "allow", "disallow":
		if v != "" && v != "/" && !strings.ContainsAny(v, "*$") {
			e.l.add(e.base, v, Page, true, "robots.txt "+strings.ToLower(strings.TrimSpace(k)))
		}
	}
}
