package crawl

import (
	"cmp"
	"fmt"
	"strings"
)

// qwikRoutes reads Qwik City's route table, in a chunk the bundle graph
// names: each route's path, then the loaders of its modules:
//
//	const o=[["/",[()=>t(()=>import("./q-BJn9__ou.js"),[])]],["internal/",[()=>t(()=>import("./q-QLsGFbS5.js"),[])]]]
//
// Every route without a parameter is a page, and its data (what its
// routeLoader$s returned when it was built) is PAGE/q-data.json: a page
// no link names is reached this way. Routes are relative to the app's
// base, the folder above its bundles (q:base, /build/).
type qwikRoutes struct {
	routes  []string
	dropped int // routes past maxQwikRoutes
}

// maxQwikRoutes bounds the routes kept from one text.
const maxQwikRoutes = 10000

// qwikRouteAt looks at a "[()" at b[k]: a route when a string and a comma
// come before it, opened by a bracket: ["internal/",[()=>.
func (e *textExtractor) qwikRouteAt(b []byte, k int) {
	if k < 4 || b[k-1] != ',' || b[k-2] != '"' || !hasPrefixAt(b, k+3, "=>") {
		return
	}
	open := k - 3
	for open >= 0 && k-open < 256 && b[open] != '"' {
		open--
	}
	if open < 1 || b[open] != '"' || b[open-1] != '[' {
		return
	}
	route := string(b[open+1 : k-2])
	if route == "" || strings.ContainsAny(route, "[]:*?#\\ {}$<>'`,") || strings.HasPrefix(route, "//") {
		return
	}
	e.frameworks.seen = true
	if len(e.qwik.routes) >= maxQwikRoutes {
		e.qwik.dropped++
		return
	}
	e.qwik.routes = append(e.qwik.routes, route)
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return i <= len(b) && strings.HasPrefix(string(b[i:min(len(b), i+len(s))]), s)
}

func (q *qwikRoutes) links(e *textExtractor) {
	if len(q.routes) == 0 {
		return
	}
	// The app's base: the folder above the bundles' (q:base).
	bundles := cmp.Or(e.declared, e.runtime, e.base)
	app, err := bundles.Parse("..")
	if err != nil {
		return
	}
	app.RawQuery = ""
	for _, r := range q.routes {
		r = strings.TrimPrefix(r, "/")
		e.pageLink(app, "./"+r, "Qwik City route table")
		data := r + "/q-data.json"
		if r == "" || strings.HasSuffix(r, "/") {
			data = r + "q-data.json"
		}
		e.fileLink(app, "./"+data, "Qwik City route table (loader data)")
	}
}

func (q *qwikRoutes) warnings() []string {
	if q.dropped == 0 {
		return nil
	}
	return []string{fmt.Sprintf("more than %d routes in a Qwik City route table: %d more were not followed", maxQwikRoutes, q.dropped)}
}
