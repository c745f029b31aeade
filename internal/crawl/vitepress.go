package crawl

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// vitePress reads VitePress's page hash map and site data, inlined in every
// page (or in its metadata chunk):
//
//	window.__VP_HASH_MAP__=JSON.parse("{\"guide_index.md\":\"yoWN_Nia\",…}");
//	window.__VP_SITE_DATA__=JSON.parse("{…\"base\":\"/handbook/\",…\"cleanUrls\":false}")
//
// or the hashmap.json it writes beside them. A page's chunk is
// BASE/assets/KEY.HASH.js, its page BASE/KEY with / for _ and .html for
// .md (no extension with cleanUrls; index.md is its folder): the runtime
// computes both, so a page no link names is reached only this way.
type vitePress struct {
	hashes map[string]string
	site   bool // the site data was read
	base   string
	clean  bool
	dir    *url.URL // the hashmap.json's folder, when the map is that file
}

// vitePressAt looks at the "VP_" of a global at b[k]: the hash map or the
// site data, assigned JSON.parse of a string, which is captured.
func (e *textExtractor) vitePressAt(b []byte, k int) {
	if k < 2 {
		return
	}
	var into func([]byte)
	var name string
	switch g := b[k-2:]; {
	case bytes.HasPrefix(g, []byte("__VP_HASH_MAP__")) && e.vp.hashes == nil:
		e.vp.hashes, name, into = map[string]string{}, "__VP_HASH_MAP__", e.vp.readHashMap
	case bytes.HasPrefix(g, []byte("__VP_SITE_DATA__")) && !e.vp.site:
		e.vp.site, name, into = true, "__VP_SITE_DATA__", e.vp.readSiteData
	default:
		return
	}
	i := skipSpace(b, k-2+len(name))
	if i >= len(b) || b[i] != '=' {
		return
	}
	i = skipSpace(b, i+1)
	if !bytes.HasPrefix(b[i:], []byte("JSON.parse(")) {
		return
	}
	if i = skipSpace(b, i+len("JSON.parse(")); i < len(b) && (b[i] == '"' || b[i] == '\'') {
		e.frameworks.seen = true
		e.captures.start(e.off+int64(i), b[i], false, func(v []byte) { into([]byte(unquoteJS(string(v)))) })
	}
}

// hashMapFile reads hashmap.json: the map, whose keys are relative to the
// file's folder.
func (vp *vitePress) hashMapFile(e *textExtractor) {
	if vp.hashes != nil {
		return
	}
	vp.hashes = map[string]string{}
	dir := *e.base
	dir.Path, dir.RawPath, dir.RawQuery = dir.Path[:strings.LastIndexByte(dir.Path, '/')+1], "", ""
	vp.dir = &dir
	e.captures.start(0, 0, true, vp.readHashMap)
}

func (vp *vitePress) readHashMap(v []byte) {
	json.Unmarshal(v, &vp.hashes)
}

func (vp *vitePress) readSiteData(v []byte) {
	var site struct {
		Base      string `json:"base"`
		CleanUrls bool   `json:"cleanUrls"`
	}
	if json.Unmarshal(v, &site) == nil {
		vp.base, vp.clean = site.Base, site.CleanUrls
	}
}

func (vp *vitePress) links(e *textExtractor) {
	if len(vp.hashes) == 0 {
		return
	}
	base := e.siteRoot()
	switch {
	case vp.dir != nil:
		base = vp.dir
	case strings.HasPrefix(vp.base, "/"):
		if u, err := base.Parse(strings.TrimSuffix(vp.base, "/") + "/"); err == nil {
			base = u
		}
	}
	for _, key := range slices.Sorted(maps.Keys(vp.hashes)) {
		hash := vp.hashes[key]
		page, ok := strings.CutSuffix(key, ".md")
		if !ok || strings.ContainsAny(key, "/\\?#%") || strings.HasPrefix(key, ".") ||
			hash == "" || strings.ContainsFunc(hash, func(r rune) bool { return !isPathByte(byte(r)) || r > 0x7f || r == '/' }) {
			continue
		}
		e.fileLink(base, "assets/"+key+"."+hash+".js", "VitePress page hash map")
		page = strings.ReplaceAll(page, "_", "/")
		switch {
		case page == "index":
			page = ""
		case strings.HasSuffix(page, "/index"):
			page = strings.TrimSuffix(page, "index")
		case !vp.clean:
			page += ".html"
		}
		e.pageLink(base, "./"+page, "VitePress page hash map")
	}
}
