package scan

// Hostile registries: each cap on an image or a package is reported when
// hit, no request breaks the request rules at any hop, and credentials go
// only to the host they are for.

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/oci"
	"github.com/cratesguard/cratesguard/internal/registrytest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// unopenedOf is every part of rep's targets not opened, "PART: REASON".
func unopenedOf(rep *findings.Report) []string {
	var out []string
	for _, t := range rep.Targets {
		for _, u := range t.Unopened {
			out = append(out, u.Part+": "+u.Reason)
		}
	}
	return out
}

func hasUnopened(rep *findings.Report, part, reason string) bool {
	for _, u := range unopenedOf(rep) {
		if strings.HasPrefix(u, part+": ") && strings.Contains(u, reason) {
			return true
		}
	}
	return false
}

func foundAt(rep *findings.Report, tok, target string) bool {
	for _, f := range rep.Findings {
		if f.Token.Reveal() != tok {
			continue
		}
		for _, l := range f.Locations {
			if l.Target == target {
				return true
			}
		}
	}
	return false
}

// rawImage stores a config and layers as blobs, and a manifest naming
// them under repo:tag, as a hostile registry would serve it.
func rawImage(t *testing.T, reg *registrytest.Registry, repo, tag string, layers []v1.Descriptor) {
	cfg := reg.PutBlob([]byte(`{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers"}}`), string(types.OCIConfigJSON))
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cfg, Layers: layers}
	b, _ := json.Marshal(m)
	reg.PutManifest(t, repo, tag, string(types.OCIManifestSchema1), b)
}

func layerBlob(reg *registrytest.Registry, files ...registrytest.File) v1.Descriptor {
	return reg.PutBlob(registrytest.Gzip(registrytest.Tar(files...)), string(types.OCILayer))
}

func TestImageOf10000Layers(t *testing.T) {
	tok, late := tokentest.New(31).API(), tokentest.New(32).API()
	reg := registrytest.NewRegistry(t, false)
	var layers []v1.Descriptor
	for i := range 10000 {
		body := fmt.Sprintf("layer %d\n", i)
		switch i {
		case 0:
			body += "K=" + tok + "\n"
		case 9999:
			body += "K=" + late + "\n" // past the cap: never read
		}
		layers = append(layers, layerBlob(reg, registrytest.File{Name: fmt.Sprintf("l/%d.txt", i), Body: body}))
	}
	rawImage(t, reg, "org/many", "1", layers)
	rep := scanURL(t, "oci:"+reg.Host+"/org/many:1", nil)
	base := "oci:" + reg.Host + "/org/many"
	if !foundAt(rep, tok, base+"!/"+layers[0].Digest.String()+"/l/0.txt") || foundAt(rep, late, base+"!/"+layers[9999].Digest.String()+"/l/9999.txt") {
		t.Errorf("the first layer's token is not found, or the last's is: %+v", rep.Findings)
	}
	if !hasUnopened(rep, base+"!/", "10000 layers, more than 500: the last 9500 were not read") {
		t.Errorf("the layer cap is not reported: %v", unopenedOf(rep))
	}
	blobs := 0
	for _, r := range reg.Requests() {
		if strings.Contains(r.Path, "/blobs/") {
			blobs++
		}
	}
	if blobs > 501 {
		t.Errorf("%d blobs fetched for 500 layers and a config", blobs)
	}
}

func TestLayerWhoseSizeLies(t *testing.T) {
	reg := registrytest.NewRegistry(t, false)
	big := layerBlob(reg, registrytest.File{Name: "big.txt", Body: strings.Repeat("x", 5000)}) // 112 bytes gzip'd
	lied := big
	lied.Size = 100 // the manifest says 100 bytes: the registry sends 112
	rawImage(t, reg, "org/liar", "1", []v1.Descriptor{lied})
	// The same blob, sent without a Content-Length: only the 100 bytes
	// named are read, and they are not the digest.
	reg.PutManifest(t, "org/chunked", "1", string(types.OCIManifestSchema1), mustManifest(t, reg, lied))
	reg.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/v2/org/chunked/blobs/"+big.Digest.String()) || r.Method != http.MethodGet {
			return false
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush() // chunked: no Content-Length
		for range 50 {
			w.Write([]byte(strings.Repeat("y", 1000)))
		}
		return true
	})
	// A manifest that says more than the registry sends.
	short := big
	short.Size = 5000
	rawImage(t, reg, "org/short", "1", []v1.Descriptor{short})
	for repo, why := range map[string]string{
		"liar":    "goes on past the 100 bytes its manifest says it weighs",
		"chunked": "goes on past the 100 bytes its manifest says it weighs",
		"short":   "its manifest says it weighs 5000",
	} {
		rep := scanURL(t, "oci:"+reg.Host+"/org/"+repo+":1", nil)
		part := "oci:" + reg.Host + "/org/" + repo + "!/" + big.Digest.String()
		if !hasUnopened(rep, part, why) || rep.ExitCode(findings.FailOnAny) != findings.ExitFailures {
			t.Errorf("%s: a layer whose size lies is not reported as not opened: %v", repo, unopenedOf(rep))
		}
	}
}

func mustManifest(t *testing.T, reg *registrytest.Registry, layers ...v1.Descriptor) []byte {
	cfg := reg.PutBlob([]byte(`{"architecture":"amd64","os":"linux","config":{}}`), string(types.OCIConfigJSON))
	b, err := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cfg, Layers: layers})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBlobRedirectToHTTP(t *testing.T) {
	tok := tokentest.New(33).API()
	var hits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer plain.Close()
	reg := registrytest.NewRegistry(t, true) // HTTPS
	layer := layerBlob(reg, registrytest.File{Name: "a.txt", Body: "K=" + tok})
	rawImage(t, reg, "org/redir", "1", []v1.Descriptor{layer})
	reg.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/blobs/"+layer.Digest.String()) {
			http.Redirect(w, r, plain.URL+"/storage/"+layer.Digest.Hex, http.StatusTemporaryRedirect)
			return true
		}
		return false
	})
	rep := scanURL(t, "oci:"+reg.Host+"/org/redir:1", nil, reg.Client().Transport)
	if hits.Load() != 0 {
		t.Errorf("the http:// blob was requested %d times", hits.Load())
	}
	if !hasUnopened(rep, "oci:"+reg.Host+"/org/redir!/"+layer.Digest.String(), "no downgrade") {
		t.Errorf("the refused redirect is not reported: %v %+v", unopenedOf(rep), rep.Targets)
	}
}

func TestIndexOf100Platforms(t *testing.T) {
	reg := registrytest.NewRegistry(t, false)
	var adds []mutate.IndexAddendum
	for i := range 100 {
		img := registrytest.Image(t, v1.Config{Env: []string{fmt.Sprintf("N=%d", i)}}, nil,
			registrytest.Layer(t, compression.GZip, registrytest.File{Name: "n", Body: fmt.Sprint(i)}))
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: fmt.Sprintf("arch%d", i)}}})
	}
	reg.PushIndex(t, "org/wide:1", mutate.AppendManifests(empty.Index, adds...))
	rep := scanURL(t, "oci:"+reg.Host+"/org/wide:1", nil)
	platforms := 0
	for _, tg := range rep.Targets {
		if strings.Contains(tg.Target, "(linux/arch") && tg.State == findings.Scanned {
			platforms++
		}
	}
	if platforms != maxPlatforms || !hasUnopened(rep, "oci:"+reg.Host+"/org/wide", "names 100 manifests, more than 32: the last 68 were not read") {
		t.Errorf("%d platforms scanned; not opened: %v", platforms, unopenedOf(rep))
	}
}

func TestPackumentNamingAnotherHostWithAToken(t *testing.T) {
	tok := tokentest.New(34).API()
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	pkgs := registrytest.NewPackages(t)
	tgz := registrytest.Gzip(registrytest.Tar(registrytest.File{Name: "package/index.js", Body: "export {}"}))
	o := strings.TrimPrefix(other.URL, "http://")
	for name, u := range map[string]string{
		"in-query":    other.URL + "/evil.tgz?auth=" + tok,
		"in-userinfo": "http://x:" + tok + "@" + o + "/evil.tgz",
		"metadata":    "http://169.254.169.254/latest/evil.tgz",
	} {
		pkgs.NPM(name, registrytest.NPMVersion{Version: "1.0.0", Tarball: tgz, URL: u})
	}
	for name, why := range map[string]string{
		"in-query":    "holds a crates.io token",
		"in-userinfo": "carries credentials",
		"metadata":    "",
	} {
		rep := scanURL(t, "npm:"+name+"@1.0.0", func(c *config.Config) { c.NPMRegistry = pkgs.URL })
		tg := rep.Targets[0]
		if tg.State != findings.Failed || !strings.Contains(tg.Reason, why) {
			t.Errorf("%s: %s: %s", name, tg.State, tg.Reason)
		}
		if name != "metadata" && !foundAt(rep, tok, "npm:"+name) {
			t.Errorf("%s: the token the packument publishes is not reported: %+v", name, rep.Findings)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the other host was asked %d times", hits.Load())
	}
}

// fakeGHCR serves a registry as ghcr.io does (a bearer token from its
// realm for the job's token), its blobs redirected to a storage host, and
// logs every request it gets; every host name is dialled to it, over TLS.
func fakeGHCR(t *testing.T, realm, jobToken string) (*registrytest.Registry, func() []registrytest.Request, http.RoundTripper) {
	reg := registrytest.NewRegistry(t, false) // images are pushed here
	inner := reg.Config.Handler
	var mu sync.Mutex
	var log []registrytest.Request
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		log = append(log, registrytest.Request{Method: r.Method, Host: r.Host, Path: r.URL.Path, Auth: r.Header.Get("Authorization")})
		mu.Unlock()
		switch {
		case r.Host == "storage.example":
			inner.ServeHTTP(w, r)
		case r.URL.Path == "/token":
			if _, p, ok := r.BasicAuth(); jobToken != "" && (!ok || p != jobToken) || jobToken == "" && ok {
				http.Error(w, "denied", http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`{"token":"pull-token-for-ghcr"}`))
		case r.Header.Get("Authorization") != "Bearer pull-token-for-ghcr":
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`",service="ghcr.io",scope="repository:org/app:pull"`)
			w.WriteHeader(http.StatusUnauthorized)
		case strings.Contains(r.URL.Path, "/blobs/"):
			http.Redirect(w, r, "https://storage.example"+r.URL.Path, http.StatusTemporaryRedirect)
		default:
			inner.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	addr := front.Listener.Addr().String()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	return reg, func() []registrytest.Request {
		mu.Lock()
		defer mu.Unlock()
		return append([]registrytest.Request(nil), log...)
	}, tr
}

// TestTokenOnlyToGHCR: the job's token goes to ghcr.io's token realm only
// (as basic auth), the pull token it gives to ghcr.io only, nothing to
// the storage host blobs redirect to; a realm on another host gets
// nothing, and the image fails.
func TestTokenOnlyToGHCR(t *testing.T) {
	tok := tokentest.New(35).API()
	const job = "ghs_jobtokenjobtokenjobtokenjobtoken00"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("cratesguard:"+job))
	// Anonymous: the bearer token is asked for with no credentials.
	reg, requests, tr := fakeGHCR(t, "https://ghcr.io/token", "")
	reg.Push(t, "org/app:1", registrytest.Image(t, v1.Config{Env: []string{"T=" + tok}}, nil))
	rep := scanURL(t, "oci:ghcr.io/org/app:1", nil, tr)
	for _, r := range requests() {
		if strings.HasPrefix(r.Auth, "Basic") {
			t.Errorf("anonymous: %s%s carried basic credentials", r.Host, r.Path)
		}
	}
	if !foundAt(rep, tok, "oci:ghcr.io/org/app!/config") {
		t.Errorf("anonymous: the image was not read with an anonymous bearer token: %+v", rep.Targets)
	}
	for _, realm := range []string{"https://ghcr.io/token", "https://evil.example/token"} {
		reg, requests, tr := fakeGHCR(t, realm, job)
		reg.Push(t, "org/app:1", registrytest.Image(t, v1.Config{Env: []string{"T=" + tok}}, nil,
			registrytest.Layer(t, compression.GZip, registrytest.File{Name: "a", Body: "K=" + tok})))
		rep := scanURL(t, "oci:ghcr.io/org/app:1", func(c *config.Config) { c.GHCRToken = job }, tr)
		reqs := requests()
		for _, r := range reqs {
			switch {
			case r.Auth != "" && r.Host != "ghcr.io":
				t.Errorf("realm %s: %s %s%s carried Authorization", realm, r.Method, r.Host, r.Path)
			case r.Auth == basic && r.Path != "/token":
				t.Errorf("realm %s: the job's token went to %s%s", realm, r.Host, r.Path)
			}
		}
		if realm == "https://ghcr.io/token" {
			storage := 0
			for _, r := range reqs {
				if r.Host == "storage.example" {
					storage++
				}
			}
			if !foundAt(rep, tok, "oci:ghcr.io/org/app!/config") || storage == 0 {
				t.Errorf("the image was not read through ghcr.io's realm and storage: %+v\n%v", rep.Targets, reqs)
			}
		} else if rep.Targets[0].State != findings.Failed || len(rep.Findings) != 0 {
			t.Errorf("a realm on another host: %+v", rep.Targets)
		}
	}
}

// TestRegistryCapsReported: a manifest past its bound, a config past
// its, a layer past --max-bytes and a PyPI release of more files than are
// scanned: each is listed as not opened (or fails), never passed over.
func TestRegistryCapsReported(t *testing.T) {
	reg := registrytest.NewRegistry(t, false)
	layer := layerBlob(reg, registrytest.File{Name: "big.txt", Body: strings.Repeat("z", 100000)})
	rawImage(t, reg, "org/caps", "1", []v1.Descriptor{layer})
	base := "oci:" + reg.Host + "/org/caps"

	rep := scanURL(t, base+":1", func(c *config.Config) { c.MaxBytes = 64 })
	if !hasUnopened(rep, base+"!/"+layer.Digest.String(), "more than --max-bytes 64: not downloaded") {
		t.Errorf("a layer past --max-bytes: %v", unopenedOf(rep))
	}
	defer func(n int64) { maxConfig = n }(maxConfig)
	maxConfig = 10
	rep = scanURL(t, base+":1", nil)
	if !hasUnopened(rep, base+"!/config", "more than 10: not read") {
		t.Errorf("a config past its bound: %v", unopenedOf(rep))
	}
	maxConfig = 8 << 20
	defer func(n int64) { oci.MaxManifest = n }(oci.MaxManifest)
	oci.MaxManifest = 100
	rep = scanURL(t, base+":1", nil)
	if tg := rep.Targets[0]; tg.State != findings.Failed || !strings.Contains(tg.Reason, "more than 100") {
		t.Errorf("a manifest past its bound: %s %s", tg.State, tg.Reason)
	}
	oci.MaxManifest = 4 << 20

	defer func(n int) { maxPyPIFiles = n }(maxPyPIFiles)
	maxPyPIFiles = 2
	pkgs := registrytest.NewPackages(t)
	var files []registrytest.PyPIFile
	for i := range 5 {
		files = append(files, registrytest.PyPIFile{Filename: fmt.Sprintf("demo-1.0-py3-none-any%d.whl", i), Body: registrytest.Gzip([]byte("x"))})
	}
	pkgs.PyPI("demo", "1.0", "", files...)
	rep = scanURL(t, "pypi:demo==1.0", func(c *config.Config) { c.PyPIURL = pkgs.URL })
	if len(rep.Targets) != 2 || !hasUnopened(rep, "pypi:demo==1.0", "it has 5 files, more than the 2 scanned: the last 3 were not downloaded") {
		t.Errorf("a release of more files than are scanned: %d targets, %v", len(rep.Targets), unopenedOf(rep))
	}
}

// TestRegistryRetries: a 503 from the registry, the packument or the JSON
// API is asked again (--retries), and the target is scanned.
func TestRegistryRetries(t *testing.T) {
	tok := tokentest.New(36).API()
	reg := registrytest.NewRegistry(t, false)
	layer := layerBlob(reg, registrytest.File{Name: "a", Body: "K=" + tok})
	rawImage(t, reg, "org/flaky", "1", []v1.Descriptor{layer})
	pkgs := registrytest.NewPackages(t)
	pkgs.NPM("flaky", registrytest.NPMVersion{Version: "1.0.0", Tarball: registrytest.Gzip(registrytest.Tar(registrytest.File{Name: "package/a.js", Body: "k='" + tok + "'"}))})
	pkgs.PyPI("flaky", "1.0", "", registrytest.PyPIFile{Filename: "flaky-1.0.tar.gz", Body: registrytest.Gzip(registrytest.Tar(registrytest.File{Name: "flaky-1.0/a", Body: "K=" + tok}))})
	var failed sync.Map
	flaky := func(w http.ResponseWriter, r *http.Request) bool {
		if _, again := failed.LoadOrStore(r.URL.Path, true); again || r.URL.Path == "/v2/" {
			return false
		}
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return true
	}
	reg.SetHook(flaky)
	pkgs.SetHook(flaky)
	for _, target := range []string{"oci:" + reg.Host + "/org/flaky:1", "npm:flaky@1.0.0", "pypi:flaky==1.0"} {
		rep := scanURL(t, target, func(c *config.Config) { c.NPMRegistry, c.PyPIURL = pkgs.URL, pkgs.URL })
		if len(rep.Findings) != 1 || len(unopenedOf(rep)) != 0 {
			t.Errorf("%s: %d findings, not opened %v, targets %+v", target, len(rep.Findings), unopenedOf(rep), rep.Targets)
		}
	}
}
