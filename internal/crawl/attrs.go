package crawl

import (
	"fmt"
	"path"
	"strings"
)

// attr is one attribute of a tag, in document order.
type attr struct{ key, val string }

// Element attributes name chunks that no src or href does: an island's
// code (<astro-island component-url="/_astro/X.js" renderer-url="…">), a
// resumable handler's (Qwik's on:click="q-X.js#s_abc", resolved against
// q:base), a data-src. Any attribute of any element whose value (or a
// word of it: Qwik lists handlers one a line) is a same-origin path to a
// script, style, JSON file, source map or page, once its #fragment is
// stripped, is followed as a guess: at most maxAttrLinks a page.
const maxAttrLinks = 1000

// attrExts are the extensions an attribute's path must end with.
var attrExts = map[string]bool{".js": true, ".mjs": true, ".cjs": true, ".css": true, ".json": true, ".map": true, ".html": true, ".htm": true}

// attrLinks follows the attributes of a tag that tag() does not.
func (e *htmlExtractor) attrLinks(tag string, attrs []attr, rels bool) {
	for _, a := range attrs {
		if len(a.val) < 4 || len(a.val) > 4096 || handled(tag, a.key, rels) {
			continue
		}
		for n, word := range strings.Fields(a.val) {
			if n == 16 {
				break
			}
			ref, _, _ := strings.Cut(word, "#")
			if !attrPath(ref) || e.attrSeen[ref] {
				continue
			}
			base := e.base
			if e.attrBase != nil && !strings.HasPrefix(ref, "/") && !strings.Contains(ref, "://") {
				base = e.attrBase
			}
			if u, err := base.Parse(ref); err != nil || OriginOf(u) != OriginOf(e.page) {
				continue // another origin's: not a chunk of this page
			}
			if len(e.attrSeen) >= maxAttrLinks {
				e.attrDropped++
				continue
			}
			e.attrSeen[ref] = true
			e.l.add(base, ref, kindOf(ref), true, "attribute "+attrName(a.key))
		}
	}
}

// handled says whether tag() follows this attribute already.
func handled(tag, key string, rels bool) bool {
	switch key {
	case "href":
		return tag == "a" || tag == "area" || tag == "base" || tag == "link" && rels
	case "src":
		return tag == "script" || tag == "iframe" || tag == "frame"
	case "action":
		return tag == "form"
	}
	return false
}

// attrPath says whether an attribute's word reads as a path to a script,
// style, JSON file, source map or page: no spaces, quotes, markup or code,
// and one of their extensions before any query.
func attrPath(ref string) bool {
	p, q, _ := strings.Cut(ref, "?")
	if p == "" || strings.ContainsAny(p, "<>\"'`(){}[]\\|^;,=$!*") || strings.ContainsAny(q, "<>\"'`(){}\\|^") {
		return false
	}
	return attrExts[strings.ToLower(path.Ext(p))]
}

// attrName is an attribute's name for reports: its letters, digits and
// - _ : . only, at most 40 of them.
func attrName(key string) string {
	if len(key) > 40 || strings.ContainsFunc(key, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == ':' || r == '.')
	}) {
		return "of an element"
	}
	return key
}

// attrWarnings says what attribute following passed over.
func (e *htmlExtractor) attrWarnings() []string {
	if e.attrDropped == 0 {
		return nil
	}
	return []string{fmt.Sprintf("more than %d paths in element attributes: %d more were not followed", maxAttrLinks, e.attrDropped)}
}
