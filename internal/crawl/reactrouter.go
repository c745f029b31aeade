package crawl

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// routeManifest reads React Router's route manifest (framework mode: the
// manifest-<hash>.js module, or inline in a server-rendered page) and
// Remix's, assigned to a global:
//
//	window.__reactRouterManifest={"entry":{…},"routes":{"routes/status":
//	  {"id":"routes/status","parentId":"root","path":"ops/status","hasLoader":true,"module":"/assets/status-….js"},…}}
//
// Every route whose path has no parameter is a page (/ops/status), and one
// with a loader has its data at /ops/status.data (/_root.data for the
// index): what a prerendered build writes for each, linked from nowhere
// when no <a> names the route. Route modules are quoted .js paths, read as
// any other.
type routeManifest struct {
	routes map[string]manifestRoute
}

type manifestRoute struct {
	ParentID  string `json:"parentId"`
	Path      string `json:"path"`
	Index     bool   `json:"index"`
	HasLoader bool   `json:"hasLoader"`
}

// reactRouterAt looks at the "nif" of a "Manifest" at b[k]: the global's
// name, then = and the object, which is captured.
func (e *textExtractor) reactRouterAt(b []byte, k int) {
	name := k - len("Ma")
	if e.rr.routes != nil || name < 0 || !bytes.HasPrefix(b[name:], []byte("Manifest")) {
		return
	}
	if !bytes.HasSuffix(b[:name], []byte("__reactRouter")) && !bytes.HasSuffix(b[:name], []byte("__remix")) {
		return
	}
	i := skipSpace(b, name+len("Manifest"))
	if i >= len(b) || b[i] != '=' {
		return
	}
	if i = skipSpace(b, i+1); i < len(b) && b[i] == '{' {
		e.rr.routes, e.frameworks.seen = map[string]manifestRoute{}, true
		e.captures.start(e.off+int64(i), 0, false, e.rr.read)
	}
}

func (m *routeManifest) read(v []byte) {
	var doc struct {
		Routes map[string]manifestRoute `json:"routes"`
	}
	if json.Unmarshal(v, &doc) == nil && doc.Routes != nil {
		m.routes = doc.Routes
	}
}

// maxRouteDepth bounds the parents followed from a route (a manifest may
// name a cycle).
const maxRouteDepth = 64

func (m *routeManifest) links(e *textExtractor) {
	root := e.siteRoot()
	for _, id := range slices.Sorted(maps.Keys(m.routes)) {
		p, ok := m.fullPath(id)
		if !ok {
			continue
		}
		e.pageLink(root, "/"+p, "React Router route manifest")
		if m.routes[id].HasLoader {
			data := "/" + p + ".data"
			if p == "" {
				data = "/_root.data"
			}
			e.fileLink(root, data, "React Router route manifest (loader data)")
		}
	}
}

// fullPath joins a route's path with its parents', without the leading
// slash; false for a path with a parameter (:id, *) or an optional segment,
// which only a request names.
func (m *routeManifest) fullPath(id string) (string, bool) {
	var segs []string
	for depth := 0; id != ""; depth++ {
		r, ok := m.routes[id]
		if !ok || depth > maxRouteDepth {
			return "", false
		}
		if p := strings.Trim(r.Path, "/"); p != "" {
			segs = append(segs, p)
		}
		id = r.ParentID
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		if strings.ContainsAny(segs[i], ":*?()") {
			return "", false
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(segs[i])
	}
	return b.String(), true
}

// skipSpace returns the index of the first byte at or after i that is no
// space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
