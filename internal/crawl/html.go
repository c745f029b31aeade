package crawl

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/html"
)

// maxHTMLToken bounds what the HTML tokenizer buffers for one tag, text or
// comment (a 63 MB attribute): past it, that token is passed over and
// tokenizing starts again after it.
const maxHTMLToken = 1 << 20

// htmlExtractor runs x/net/html's tokenizer on the streamed page in a
// goroutine fed through a pipe, so a page is never held whole.
type htmlExtractor struct {
	pw      *io.PipeWriter
	wg      sync.WaitGroup
	base    *url.URL
	l       links
	tooLong int // tokens over maxHTMLToken
}

var assetRels = map[string]bool{"stylesheet": true, "preload": true, "modulepreload": true, "prefetch": true, "manifest": true}

func newHTMLExtractor(base *url.URL) *htmlExtractor {
	pr, pw := io.Pipe()
	e := &htmlExtractor{pw: pw, base: base}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.run(pr)
		io.Copy(io.Discard, pr) // never leave the writer blocked
	}()
	return e
}

func (e *htmlExtractor) Write(p []byte) (int, error) { return e.pw.Write(p) }

func (e *htmlExtractor) Close() ([]Link, []string) {
	e.pw.Close()
	e.wg.Wait()
	w := e.l.warnings()
	if e.tooLong > 0 {
		w = append(w, fmt.Sprintf("%d HTML token%s longer than %d KiB (a tag, attribute or text) passed over for links",
			e.tooLong, plural(e.tooLong), maxHTMLToken>>10))
	}
	return e.l.out, w
}

func (e *htmlExtractor) run(r io.Reader) {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxHTMLToken)
	var inline *textExtractor // the inline <script> or <style> being read
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !errors.Is(z.Err(), html.ErrBufferExceeded) {
				return
			}
			// A token too long to hold: pass it over and start again after
			// what was read of it (as text, until the next tag).
			e.tooLong++
			inline = nil
			z = html.NewTokenizer(r)
			z.SetMaxBuf(maxHTMLToken)
		case html.TextToken:
			if inline != nil {
				inline.Write(z.Text())
			}
		case html.EndTagToken:
			if inline != nil {
				ls, _ := inline.Close()
				for _, l := range ls {
					if !e.l.full() {
						e.l.out = append(e.l.out, l)
					}
				}
				inline = nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			tag := string(name)
			if (tag == "script" && attrs["src"] == "") || tag == "style" {
				inline = &textExtractor{base: e.base, css: tag == "style"}
			}
			e.tag(tag, attrs)
		}
	}
}

func (e *htmlExtractor) tag(tag string, a map[string]string) {
	switch tag {
	case "base":
		if u, err := e.base.Parse(a["href"]); err == nil && a["href"] != "" {
			e.base = u
		}
	case "script":
		e.l.add(e.base, a["src"], Asset, false, "script src")
	case "link":
		for _, rel := range strings.Fields(strings.ToLower(a["rel"])) {
			if assetRels[rel] {
				e.l.add(e.base, a["href"], Asset, false, "link rel="+rel)
				break
			}
		}
	case "a", "area":
		e.l.add(e.base, a["href"], Page, false, tag+" href")
	case "iframe", "frame":
		e.l.add(e.base, a["src"], Page, false, tag+" src")
	case "form":
		if m := strings.ToLower(a["method"]); m == "" || m == "get" {
			e.l.add(e.base, a["action"], Page, false, "form action")
		}
	}
}
