package registrytest

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Packages serves npm packuments and tarballs, and PyPI's JSON API and
// files, from what a test put in it.
type Packages struct {
	*httptest.Server
	recorder
	mu    sync.Mutex
	paths map[string][]byte // path -> body
	// Hidden counts, by path, the answers still to be 404: a version just
	// published, not served yet.
	hidden map[string]int
}

// NewPackages serves an empty npm registry and PyPI index.
func NewPackages(t testing.TB) *Packages {
	p := &Packages{paths: map[string][]byte{}, hidden: map[string]int{}}
	p.Server = httptest.NewServer(p.wrap(http.HandlerFunc(p.serve)))
	t.Cleanup(p.Close)
	return p
}

func (p *Packages) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	body, ok := p.paths[r.URL.EscapedPath()]
	if p.hidden[r.URL.EscapedPath()] > 0 {
		p.hidden[r.URL.EscapedPath()]--
		ok = false
	}
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}

// Put serves body at path (escaped as it is requested).
func (p *Packages) Put(path string, body []byte) {
	p.mu.Lock()
	p.paths[path] = body
	p.mu.Unlock()
}

// Hide answers path with 404 n more times.
func (p *Packages) Hide(path string, n int) {
	p.mu.Lock()
	p.hidden[path] = n
	p.mu.Unlock()
}

// NPMVersion is one version of an npm package.
type NPMVersion struct {
	Version string
	Tarball []byte
	// URL and Integrity override the tarball's URL and dist.integrity.
	URL, Integrity string
	// Extra is more of the version's document (scripts, description…).
	Extra map[string]any
}

// NPM serves name's packument with versions (the last is latest), and
// their tarballs.
func (p *Packages) NPM(name string, versions ...NPMVersion) {
	vs := map[string]any{}
	for _, v := range versions {
		tarPath := "/" + name + "/-/" + name[strings.LastIndexByte(name, '/')+1:] + "-" + v.Version + ".tgz"
		if v.URL == "" {
			v.URL = p.URL + tarPath
			p.Put(tarPath, v.Tarball)
		}
		if v.Integrity == "" {
			sum := sha512.Sum512(v.Tarball)
			v.Integrity = "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
		}
		doc := map[string]any{"name": name, "version": v.Version, "dist": map[string]any{"tarball": v.URL, "integrity": v.Integrity}}
		for k, x := range v.Extra {
			doc[k] = x
		}
		vs[v.Version] = doc
	}
	b, _ := json.Marshal(map[string]any{"name": name, "dist-tags": map[string]string{"latest": versions[len(versions)-1].Version}, "versions": vs})
	p.Put("/"+url.PathEscape(name), b)
}

// PyPIFile is one file of a PyPI release.
type PyPIFile struct {
	Filename string
	Body     []byte
	// SHA256 overrides the digest the index names.
	SHA256 string
}

// PyPI serves name's release at version through the JSON API (at
// /pypi/NAME/VERSION/json, and as the latest at /pypi/NAME/json), and its
// files.
func (p *Packages) PyPI(name, version, description string, files ...PyPIFile) {
	var urls []any
	for _, f := range files {
		path := "/packages/" + url.PathEscape(f.Filename)
		p.Put(path, f.Body)
		if f.SHA256 == "" {
			sum := sha256.Sum256(f.Body)
			f.SHA256 = hex.EncodeToString(sum[:])
		}
		kind := "bdist_wheel"
		if strings.HasSuffix(f.Filename, ".tar.gz") || strings.HasSuffix(f.Filename, ".zip") {
			kind = "sdist"
		}
		urls = append(urls, map[string]any{"filename": f.Filename, "url": p.URL + path, "packagetype": kind, "digests": map[string]string{"sha256": f.SHA256}})
	}
	b, _ := json.Marshal(map[string]any{"info": map[string]any{"name": name, "version": version, "description": description}, "urls": urls})
	p.Put("/pypi/"+name+"/"+version+"/json", b)
	p.Put("/pypi/"+name+"/json", b)
}
