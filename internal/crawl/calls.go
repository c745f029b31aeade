package crawl

import (
	"strings"

	"github.com/cratesguard/cratesguard/internal/simd"
)

// calls finds the URLs code loads at run time: a string literal (quoted,
// or a template literal without substitutions) passed to fetch, Request,
// XMLHttpRequest's open, axios/ky/ofetch-style and jQuery calls, a service
// worker's register, importScripts, Worker and SharedWorker, and URL
// (new URL("./w.js", import.meta.url)), whatever its extension: a config
// endpoint such as /api/settings is a leak's favourite place.
func (e *textExtractor) calls(from, limit int) {
	b := e.buf
	for from < limit {
		i := simd.CallQuote(b[from:min(limit+1, len(b))])
		if i < 0 {
			return
		}
		k := from + i
		from = k + 1
		callee := calleeAt(b, k)
		kind, ok := runtimeCallees[lastName(callee)]
		if !ok {
			continue
		}
		lit, end, ok := stringAt(b, k+1)
		if !ok {
			continue
		}
		if kind == calleeOpen { // xhr.open("GET", "/url"): the second argument
			j := end
			for j < len(b) && (b[j] == ' ' || b[j] == ',') {
				j++
			}
			if lit, _, ok = stringAt(b, j); !ok {
				continue
			}
		}
		if kind == calleeMethod && !pathLike(lit) {
			continue // .get("id") is a map's, not a request's
		}
		via := "runtime " + lastName(callee) + "()"
		if kind == calleeURL {
			// new URL("…", import.meta.url) is relative to the script itself.
			e.l.add(e.base, lit, Asset, true, via)
			continue
		}
		e.addAs(lit, Asset, true, via) // loaded by the code, whatever it is
	}
}

// The callees whose string argument is a URL loaded at run time.
const (
	calleeAny    = iota // any same-origin string: fetch("api/settings")
	calleeMethod        // only a path-like string: api.get("/settings")
	calleeOpen          // the second argument: xhr.open("GET", "/x")
	calleeURL           // relative to the script: new URL("./w.js", import.meta.url)
)

var runtimeCallees = map[string]int{
	"fetch": calleeAny, "Request": calleeAny, "Worker": calleeAny, "SharedWorker": calleeAny,
	"register": calleeAny, "importScripts": calleeAny, "getJSON": calleeAny, "getScript": calleeAny,
	"ofetch": calleeAny, "$fetch": calleeAny, "useFetch": calleeAny, "ky": calleeAny, "axios": calleeAny,
	"get": calleeMethod, "post": calleeMethod, "put": calleeMethod, "patch": calleeMethod, "head": calleeMethod,
	"delete": calleeMethod, "request": calleeMethod, "load": calleeMethod,
	"open": calleeOpen,
	"URL":  calleeURL,
}

// calleeAt returns the dotted name a call at b[k] (the "(") is made on.
func calleeAt(b []byte, k int) string {
	j := k
	for j > 0 && k-j < 64 && (isIdent(b[j-1]) || b[j-1] == '.') {
		j--
	}
	return string(b[j:k])
}

func lastName(callee string) string {
	if i := strings.LastIndexByte(callee, '.'); i >= 0 {
		return callee[i+1:]
	}
	return callee
}
