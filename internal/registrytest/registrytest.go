// Package registrytest serves, on loopback, what a release pushes for the
// tests to scan: a real OCI registry (go-containerregistry's pkg/registry,
// in process) with images built at test time, and JSON servers shaped as
// npm's registry and PyPI's JSON API. Each records the requests it got,
// and a test may answer some itself (Hook), as a hostile server would.
package registrytest

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Request is one request a server got.
type Request struct {
	Method, Host, Path, Auth string
}

// recorder keeps the requests a server got, and lets a test answer some.
type recorder struct {
	mu   sync.Mutex
	reqs []Request
	// Hook, when set, sees each request first: true when it answered.
	Hook func(w http.ResponseWriter, r *http.Request) bool
}

func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, Request{r.Method, r.Host, r.URL.Path, r.Header.Get("Authorization")})
		hook := rc.Hook
		rc.mu.Unlock()
		if hook != nil && hook(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Requests is what the server got so far.
func (rc *recorder) Requests() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.reqs...)
}

// SetHook answers requests with h (nil: the server's own answers).
func (rc *recorder) SetHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	rc.mu.Lock()
	rc.Hook = h
	rc.mu.Unlock()
}

// Registry is an OCI registry on loopback.
type Registry struct {
	*httptest.Server
	recorder
	Host  string // 127.0.0.1:PORT
	blobs *blobs
}

// NewRegistry serves a registry, over TLS when tls is set (its client's
// transport trusts it: Client().Transport).
func NewRegistry(t testing.TB, tls bool) *Registry {
	r := &Registry{blobs: &blobs{m: map[string][]byte{}}}
	h := r.wrap(registry.New(registry.WithBlobHandler(r.blobs), registry.Logger(discard())))
	if tls {
		r.Server = httptest.NewTLSServer(h)
	} else {
		r.Server = httptest.NewServer(h)
	}
	t.Cleanup(r.Close)
	r.Host = strings.TrimPrefix(strings.TrimPrefix(r.URL, "http://"), "https://")
	return r
}

func (r *Registry) options() []remote.Option {
	return []remote.Option{remote.WithTransport(r.Client().Transport)}
}

func (r *Registry) ref(t testing.TB, s string) name.Reference {
	ref, err := name.ParseReference(r.Host+"/"+s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// Push pushes img as REPO:TAG (or REPO@DIGEST).
func (r *Registry) Push(t testing.TB, repoTag string, img v1.Image) {
	t.Helper()
	if err := remote.Write(r.ref(t, repoTag), img, r.options()...); err != nil {
		t.Fatalf("pushing %s: %v", repoTag, err)
	}
}

// PushIndex pushes an index and its images as REPO:TAG.
func (r *Registry) PushIndex(t testing.TB, repoTag string, idx v1.ImageIndex) {
	t.Helper()
	if err := remote.WriteIndex(r.ref(t, repoTag), idx, r.options()...); err != nil {
		t.Fatalf("pushing %s: %v", repoTag, err)
	}
}

// PutBlob stores b as a blob, whatever it is, and gives its descriptor.
func (r *Registry) PutBlob(b []byte, mt string) v1.Descriptor {
	h, n, _ := v1.SHA256(bytes.NewReader(b))
	r.blobs.mu.Lock()
	r.blobs.m[h.String()] = b
	r.blobs.mu.Unlock()
	return v1.Descriptor{MediaType: typesOf(mt), Size: n, Digest: h}
}

// PutManifest stores a manifest as it is, unchecked: a hostile one.
func (r *Registry) PutManifest(t testing.TB, repo, tag, mediaType string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, r.URL+"/v2/"+repo+"/manifests/"+tag, bytes.NewReader(body))
	req.Header.Set("Content-Type", mediaType)
	resp, err := r.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT manifest: HTTP %d", resp.StatusCode)
	}
}

// blobs is an in-memory blob store a test can fill directly.
type blobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (b *blobs) Get(_ context.Context, _ string, h v1.Hash) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.m[h.String()]; ok {
		return io.NopCloser(bytes.NewReader(v)), nil
	}
	return nil, errNotFound
}

func (b *blobs) Stat(_ context.Context, _ string, h v1.Hash) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.m[h.String()]; ok {
		return int64(len(v)), nil
	}
	return 0, errNotFound
}

func (b *blobs) Put(_ context.Context, _ string, h v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	v, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.m[h.String()] = v
	b.mu.Unlock()
	return nil
}

// File is a file of a layer.
type File struct{ Name, Body string }

// Tar is files as a tar.
func Tar(files ...File) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: f.Name, Mode: 0o644, Size: int64(len(f.Body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f.Body))
	}
	tw.Close()
	return buf.Bytes()
}

// Layer is files as a layer compressed with comp (gzip or zstd).
func Layer(t testing.TB, comp compression.Compression, files ...File) v1.Layer {
	t.Helper()
	b := Tar(files...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithCompression(comp), tarball.WithCompressedCaching)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Image is layers on an empty image, with cfg and history in its config.
func Image(t testing.TB, cfg v1.Config, history []string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config = cfg
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.History = nil
	for _, h := range history {
		cf.History = append(cf.History, v1.History{CreatedBy: h})
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}
