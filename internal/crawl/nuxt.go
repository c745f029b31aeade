package crawl

import (
	"bytes"
	"encoding/json"
	"strings"
)

// nuxtApp reads Nuxt's runtime config, inlined in every page:
//
//	window.__NUXT__.config={public:{…},app:{baseURL:"/",buildId:"843397a2-…",buildAssetsDir:"/_nuxt/",cdnURL:""}}
//
// buildAssetsDir, under cdnURL or baseURL, is where its bundles live: the
// base its runtime resolves bundle names against (builds/latest.json),
// declared for the page's scripts. The build id names the app manifest,
// BASE/builds/meta/ID.json, whose "prerendered" list (metaFile) names
// every prerendered page, linked from anywhere or not, and its payload,
// PAGE/_payload.json.
type nuxtApp struct {
	config      bool // the config was read
	prerendered []string
}

// nuxtConfigAt looks at the "sDi" of "buildAssetsDir" at b[k], and reads
// the config around it.
func (e *textExtractor) nuxtConfigAt(b []byte, k int) {
	start := k - len("buildAsset")
	if e.nuxt.config || start < 0 || !bytes.HasPrefix(b[start:], []byte("buildAssetsDir")) {
		return
	}
	dir, ok := configString(b, start, "buildAssetsDir")
	if !ok || !strings.HasPrefix(dir, "/") {
		return
	}
	around := b[max(0, start-1024):min(len(b), start+1024)]
	at := start - max(0, start-1024)
	prefix, _ := nearConfigString(around, at, "cdnURL")
	if !strings.HasPrefix(prefix, "https://") && !strings.HasPrefix(prefix, "http://") {
		prefix, _ = nearConfigString(around, at, "baseURL")
	}
	base, err := e.base.Parse(strings.TrimSuffix(prefix, "/") + "/" + strings.Trim(dir, "/") + "/")
	if err != nil || base.Scheme != "http" && base.Scheme != "https" {
		return
	}
	e.nuxt.config, e.frameworks.seen = true, true
	e.declared = base
	if id, ok := nearConfigString(around, at, "buildId"); ok && id != "" && !strings.ContainsAny(id, "/\\?#%.") {
		e.fileLink(base, "builds/meta/"+id+".json", "Nuxt runtime config (app manifest)")
	}
}

// configString reads the string value of key at b[i] in an object literal
// or JSON: key:"v" or "key":"v".
func configString(b []byte, i int, key string) (string, bool) {
	i += len(key)
	if i < len(b) && b[i] == '"' {
		i++
	}
	if i >= len(b) || b[i] != ':' {
		return "", false
	}
	v, _, ok := stringAt(b, i+1)
	if !ok && i+2 < len(b) && b[i+1] == '"' && b[i+2] == '"' {
		return "", true // ""
	}
	return v, ok
}

// nearConfigString reads key's string value in b, the occurrence nearest
// to b[at].
func nearConfigString(b []byte, at int, key string) (string, bool) {
	best, found := "", false
	dist := len(b) + 1
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(key))
		if j < 0 {
			return best, found
		}
		p := i + j
		i = p + 1
		if p > 0 && isIdent(b[p-1]) {
			continue
		}
		if v, ok := configString(b, p, key); ok && abs(p-at) < dist {
			best, found, dist = v, true, abs(p-at)
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// metaFile reads the app manifest, builds/meta/<build id>.json.
func (n *nuxtApp) metaFile(e *textExtractor) {
	e.captures.start(0, 0, true, func(v []byte) {
		var meta struct {
			Prerendered []string `json:"prerendered"`
		}
		if json.Unmarshal(v, &meta) == nil {
			n.prerendered = meta.Prerendered
		}
	})
}

func (n *nuxtApp) links(e *textExtractor) {
	root := e.siteRoot()
	for _, p := range n.prerendered {
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
			continue
		}
		e.pageLink(root, p, "Nuxt app manifest (prerendered)")
		e.fileLink(root, strings.TrimSuffix(p, "/")+"/_payload.json", "Nuxt app manifest (payload)")
	}
}
