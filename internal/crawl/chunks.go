package crawl

import (
	"bytes"
	"net/url"
	"path"
	"slices"
	"strings"
)

// chunkMaps reads webpack's runtime (4 and 5, minified or not) as a script
// streams through its extractor and names every chunk it can load. Lazy routes and workers
// live in chunks whose file names never appear as strings: the runtime
// builds them, as in
//
//	r.u=e=>"static/js/"+e+"."+{288:"1f82d3f1",408:"fb3b7ebb"}[e]+".chunk.js"
//	__webpack_require__.miniCssF = (chunkId) => ("static/css/" + chunkId + ".css")
//	function s(e){return i.p+"static/js/"+({}[e]||e)+"."+{0:"a1b2c3d4"}[e]+".chunk.js"}
//
// A chunk map ({…}[e]) is found by its "}[", the function around it parsed
// from its arrow or return, and the function evaluated for every chunk id
// the maps hold; the public path comes from r.p="…" (or, when it is
// automatic, from the script's own URL). Each chunk and its source map
// become guessed links. The extractor keeps 64 KiB behind what it reads.
type chunkMaps struct {
	found []chunkTemplate
	pub   string // the last r.p="…"
	hasP  bool
}

type chunkTemplate struct {
	toks  []jsToken
	param string
	ids   []string
}

const (
	chunkKeep         = textBack
	chunkTail         = textTail // what must follow "}[" before it is looked at
	maxChunkTemplates = 16
)

// mapAt looks at a "}[" at b[k] (the "}") in the extractor's buffer,
// which holds textBack bytes before it and textTail after.
func (c *chunkMaps) mapAt(b []byte, k int) {
	if len(c.found) >= maxChunkTemplates {
		return
	}
	if t, ok := parseChunkTemplate(b, k); ok && !slices.ContainsFunc(c.found, t.same) {
		c.found = append(c.found, t)
	}
}

// publicPathAt reads an X.p="…" assignment at b[k] (the "."): webpack's
// public path; the last one counts.
func (c *chunkMaps) publicPathAt(b []byte, k int) {
	if k == 0 || !isIdent(b[k-1]) {
		return
	}
	k += 2 // past ".p"
	for k < len(b) && b[k] == ' ' {
		k++
	}
	if k >= len(b) || b[k] != '=' || k+1 < len(b) && b[k+1] == '=' {
		return
	}
	k++
	for k < len(b) && b[k] == ' ' {
		k++
	}
	if s, _, ok := stringAt(b, k); ok && (strings.HasPrefix(s, "/") || strings.HasPrefix(s, "http")) {
		c.pub, c.hasP = s, true
	} else if k+1 < len(b) && (b[k] == '"' || b[k] == '\'') && b[k+1] == b[k] {
		c.pub, c.hasP = "", true // r.p="": relative to the document
	}
}

// links names every chunk (and its source map) of the templates found,
// resolved against the public path; script is the runtime's own URL.
func (c *chunkMaps) links(script *url.URL, l *links) {
	for _, t := range c.found {
		prefix := c.basePath(script, t)
		for _, id := range t.ids {
			name, ok := t.eval(id)
			if !ok || name == "" {
				continue
			}
			name = strings.TrimPrefix(name, publicMarker)
			ref := prefix + name
			l.add(script, ref, Asset, true, "webpack chunk map")
			if strings.HasSuffix(name, ".js") {
				l.add(script, ref+".map", Asset, true, "webpack chunk map (source map)")
			}
		}
	}
}

// basePath is where the chunk names are relative to: the public path the
// runtime sets, else (automatic public path) the part of the script's URL
// before the directory the chunk names start with ("static/js/").
func (c *chunkMaps) basePath(script *url.URL, t chunkTemplate) string {
	if c.hasP && c.pub != "" {
		return c.pub
	}
	first, _ := t.eval(t.ids[0])
	first = strings.TrimPrefix(first, publicMarker)
	dir := path.Dir(first) + "/"
	if dir == "./" {
		return path.Dir(script.Path) + "/"
	}
	if i := strings.Index(script.Path, "/"+dir); i >= 0 {
		return script.Path[:i+1]
	}
	return "/"
}

// publicMarker stands for webpack 4's X.p in an evaluated name.
const publicMarker = "\x00p"

// jsToken is a token of the small JavaScript subset chunk-name functions
// are written in.
type jsToken struct {
	kind byte // 's' string, 'n' number, 'i' identifier, 'o' operator or punctuation
	text string
}

// parseChunkTemplate parses the chunk-name function around the map whose
// "}[" is at b[k].
func parseChunkTemplate(b []byte, k int) (chunkTemplate, bool) {
	// A chunk map holds only keys and strings: {288:"1f82d3f1",…}. Find its
	// brace, cheaply refusing any other "}[".
	if k == 0 || b[k-1] != '"' && b[k-1] != '\'' {
		return chunkTemplate{}, false
	}
	open := k - 1
	for open >= 0 && k-open < chunkKeep && b[open] != '{' {
		if c := b[open]; !isIdent(c) && !strings.ContainsRune("\"':,-./ ", rune(c)) {
			return chunkTemplate{}, false
		}
		open--
	}
	if open < 0 || b[open] != '{' {
		return chunkTemplate{}, false
	}
	// The function body starts after the nearest arrow or return before it.
	lo := max(0, open-4096)
	a := bytes.LastIndex(b[lo:open], []byte("=>"))
	r := bytes.LastIndex(b[lo:open], []byte("return"))
	start := -1
	switch {
	case a >= 0 && a > r:
		start = lo + a + 2
	case r >= 0:
		start = lo + r + len("return")
	default:
		return chunkTemplate{}, false
	}
	toks, ok := tokenizeJS(b[start:min(len(b), k+chunkTail)])
	if !ok || len(toks) == 0 {
		return chunkTemplate{}, false
	}
	p := &jsParser{toks: toks}
	expr := p.expression()
	if expr == nil || !p.ended() {
		return chunkTemplate{}, false
	}
	t := chunkTemplate{toks: expr}
	// The id variable: what the maps are indexed with.
	for i := 0; i+2 < len(expr); i++ {
		if expr[i].text == "}" && expr[i+1].text == "[" && expr[i+2].kind == 'i' {
			t.param = expr[i+2].text
			break
		}
	}
	if t.param == "" {
		return chunkTemplate{}, false
	}
	seen := map[string]bool{}
	for _, m := range mapsIn(expr) {
		for key := range m {
			if !seen[key] {
				seen[key] = true
				t.ids = append(t.ids, key)
			}
		}
	}
	// Ids named only in a ternary: (884===e?"admin":e).
	for i := 0; i+2 < len(expr); i++ {
		if expr[i].kind == 'n' && (expr[i+1].text == "===" || expr[i+1].text == "==") && expr[i+2].text == t.param && !seen[expr[i].text] {
			seen[expr[i].text] = true
			t.ids = append(t.ids, expr[i].text)
		}
	}
	if len(t.ids) == 0 {
		return chunkTemplate{}, false
	}
	slices.Sort(t.ids)
	if _, ok := t.eval(t.ids[0]); !ok {
		return chunkTemplate{}, false
	}
	return t, true
}

// same reports whether two templates are one (found from two of its maps).
func (t chunkTemplate) same(u chunkTemplate) bool {
	return slices.Equal(t.toks, u.toks)
}

// tokenizeJS splits the start of a script into tokens, up to where a
// chunk-name expression must have ended (a statement or object end).
func tokenizeJS(b []byte) ([]jsToken, bool) {
	var out []jsToken
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			s, end, ok := stringAt(b, i)
			if !ok {
				if i+1 < len(b) && b[i+1] == c { // ""
					out = append(out, jsToken{'s', ""})
					i += 2
					continue
				}
				return out, len(out) > 0
			}
			out = append(out, jsToken{'s', s})
			i = end
		case c >= '0' && c <= '9':
			j := i
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			out = append(out, jsToken{'n', string(b[i:j])})
			i = j
		case isIdent(c):
			j := i
			for j < len(b) && (isIdent(b[j]) || b[j] == '.') {
				j++
			}
			out = append(out, jsToken{'i', string(b[i:j])})
			i = j
		default:
			op := string(c)
			for _, long := range []string{"===", "==", "||", "=>"} {
				if bytes.HasPrefix(b[i:], []byte(long)) {
					op = long
					break
				}
			}
			out = append(out, jsToken{'o', op})
			i += len(op)
			if op == ";" || len(out) > 200000 {
				return out, true
			}
		}
	}
	return out, true
}

// jsParser recognises the expressions chunk-name functions are made of:
// terms joined by +, a term being a string, the id, X.p, a map indexed by
// the id, (a || b), (N === id ? a : b), or a parenthesised expression.
type jsParser struct {
	toks []jsToken
	i    int
}

func (p *jsParser) peek() jsToken {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return jsToken{}
}

// ended says whether the expression ended where one may: at the end of
// the tokens or before , ; } ).
func (p *jsParser) ended() bool {
	t := p.peek()
	return t.kind == 0 || t.kind == 'o' && strings.Contains(",;})", t.text)
}

// expression parses terms joined by + and returns the tokens it spans.
func (p *jsParser) expression() []jsToken {
	start := p.i
	if !p.term() {
		return nil
	}
	for p.peek().text == "+" {
		p.i++
		if !p.term() {
			return nil
		}
	}
	return p.toks[start:p.i]
}

func (p *jsParser) term() bool {
	t := p.peek()
	switch {
	case t.kind == 's' || t.kind == 'n' || t.kind == 'i':
		p.i++
		return true
	case t.text == "{":
		return p.mapIndex()
	case t.text == "(":
		p.i++
		if p.expression() == nil {
			return false
		}
		switch p.peek().text {
		case "||":
			p.i++
			if p.expression() == nil {
				return false
			}
		case "===", "==":
			p.i++
			if p.expression() == nil || p.peek().text != "?" {
				return false
			}
			p.i++
			if p.expression() == nil || p.peek().text != ":" {
				return false
			}
			p.i++
			if p.expression() == nil {
				return false
			}
		}
		if p.peek().text != ")" {
			return false
		}
		p.i++
		return true
	}
	return false
}

// mapIndex parses {key:"value",…}[id].
func (p *jsParser) mapIndex() bool {
	p.i++ // {
	for p.peek().text != "}" {
		k := p.peek()
		if k.kind != 'n' && k.kind != 's' && k.kind != 'i' {
			return false
		}
		p.i++
		if p.peek().text != ":" {
			return false
		}
		p.i++
		if p.peek().kind != 's' {
			return false
		}
		p.i++
		if p.peek().text == "," {
			p.i++
		}
	}
	p.i++ // }
	if p.peek().text != "[" {
		return false
	}
	p.i++
	if p.peek().kind != 'i' {
		return false
	}
	p.i++
	if p.peek().text != "]" {
		return false
	}
	p.i++
	return true
}

// mapsIn returns the maps of an expression's tokens (already parsed as
// {key:"value",…}), key to value.
func mapsIn(toks []jsToken) []map[string]string {
	var out []map[string]string
	for i := 0; i < len(toks); i++ {
		if toks[i].text != "{" {
			continue
		}
		m := map[string]string{}
		j := i + 1
		for j+2 < len(toks) && toks[j].text != "}" {
			m[toks[j].text] = toks[j+2].text
			j += 3
			if j < len(toks) && toks[j].text == "," {
				j++
			}
		}
		out = append(out, m)
		i = j
	}
	return out
}

// eval evaluates the template for one chunk id.
func (t chunkTemplate) eval(id string) (string, bool) {
	e := &jsEval{toks: t.toks, param: t.param, id: id}
	v, ok := e.expression()
	return v, ok && e.i == len(e.toks)
}

type jsEval struct {
	toks  []jsToken
	i     int
	param string
	id    string
}

func (e *jsEval) peek() jsToken {
	if e.i < len(e.toks) {
		return e.toks[e.i]
	}
	return jsToken{}
}

func (e *jsEval) expression() (string, bool) {
	v, ok := e.term()
	if !ok {
		return "", false
	}
	for e.peek().text == "+" {
		e.i++
		w, ok := e.term()
		if !ok {
			return "", false
		}
		v += w
	}
	return v, true
}

func (e *jsEval) term() (string, bool) {
	t := e.peek()
	switch {
	case t.kind == 's':
		e.i++
		return t.text, true
	case t.kind == 'n':
		e.i++
		return t.text, true
	case t.kind == 'i':
		e.i++
		switch {
		case t.text == e.param:
			return e.id, true
		case strings.HasSuffix(t.text, ".p"):
			return publicMarker, true
		}
		return "", false
	case t.text == "{":
		m := map[string]string{}
		e.i++
		for e.peek().text != "}" {
			k := e.peek().text
			e.i += 2
			m[k] = e.peek().text
			e.i++
			if e.peek().text == "," {
				e.i++
			}
		}
		e.i += 4 // } [ id ]
		return m[e.id], true
	case t.text == "(":
		e.i++
		v, ok := e.expression()
		if !ok {
			return "", false
		}
		switch e.peek().text {
		case "||":
			e.i++
			w, ok := e.expression()
			if !ok {
				return "", false
			}
			if v == "" {
				v = w
			}
		case "===", "==":
			e.i++
			w, ok := e.expression()
			if !ok || e.peek().text != "?" {
				return "", false
			}
			e.i++
			yes, ok1 := e.expression()
			e.i++ // :
			no, ok2 := e.expression()
			if !ok1 || !ok2 {
				return "", false
			}
			if v == w {
				v = yes
			} else {
				v = no
			}
		}
		e.i++ // )
		return v, true
	}
	return "", false
}
