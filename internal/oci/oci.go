// Package oci reads an image from a registry with go-containerregistry
// (remote, authn): the manifest or index a reference names, each
// platform's manifest, its config, and its layers as streams, compressed
// as pushed (the scan stage decodes them). Every request, redirect hops
// and the token exchange included, goes through a guard (see guard.go)
// that asks the run's request policy, keeps credentials to the host they
// are for, and bounds what a manifest may weigh. It knows nothing of
// tokens in content or of reports.
package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/cratesguard/cratesguard/internal/target"
)

// GHCR is the one registry a token is ever sent to.
const GHCR = "ghcr.io"

// Options configure a Client.
type Options struct {
	// Transport makes the connections (the policy's dialer); nil: a
	// clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Check says why a request to u, reached from from (a redirect's
	// URL; nil for a first request), must not be made ("" when it may).
	Check     func(u, from *url.URL) string
	UserAgent string
	// Retries and Backoff: how often and after how long a failed request
	// (connection error, 429, 5xx) is tried again, the wait doubling.
	Retries int
	Backoff time.Duration
	// Token, if set, is sent to ghcr.io only, as basic auth that its
	// token realm (on ghcr.io) exchanges for a pull token.
	Token string
}

// Client reads images under one set of options.
type Client struct{ opts Options }

// New returns a Client.
func New(opts Options) *Client {
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &Client{opts: opts}
}

// ErrNotFound is a registry that does not serve the repository or the
// tag (yet: an image just pushed can take a moment to be served).
var ErrNotFound = errors.New("the registry does not serve it")

// Ref names an image: host (with its port), repository, and a tag or a
// sha256: digest.
type Ref struct{ Host, Repo, Version string }

func (r Ref) String() string {
	if strings.HasPrefix(r.Version, "sha256:") {
		return r.Host + "/" + r.Repo + "@" + r.Version
	}
	return r.Host + "/" + r.Repo + ":" + r.Version
}

// Root is what a reference names: one image, or an index of them.
type Root struct {
	Manifest []byte // as served
	Digest   string
	// Index is set for an index (a multi-platform image); Image for a
	// single image.
	Index *v1.IndexManifest
	Image *Image

	index v1.ImageIndex
	src   *source
}

// source is where an image's blobs are read from: one puller (one token
// exchange) for every layer of every platform.
type source struct {
	ctx    context.Context
	repo   name.Repository
	puller *remote.Puller
}

// Image is one image: its manifest, and the means to read its parts.
type Image struct {
	Digest   string
	Manifest *v1.Manifest
	img      v1.Image
	src      *source
}

func (c *Client) options(ctx context.Context, reg name.Registry) []remote.Option {
	g := &guard{inner: c.opts.Transport, check: c.opts.Check, registry: reg.RegistryStr()}
	auth := authn.Anonymous
	if c.opts.Token != "" && reg.RegistryStr() == GHCR {
		auth = &authn.Basic{Username: "cratesguard", Password: c.opts.Token}
		g.secret = c.opts.Token
	}
	return []remote.Option{
		remote.WithContext(ctx), remote.WithTransport(g), remote.WithAuth(auth), remote.WithUserAgent(c.opts.UserAgent),
		remote.WithRetryBackoff(remote.Backoff{Duration: c.opts.Backoff, Factor: 2, Jitter: 0.1, Steps: c.opts.Retries + 1}),
		remote.WithJobs(1),
	}
}

// Resolve fetches the manifest or index ref names.
func (c *Client) Resolve(ctx context.Context, r Ref) (*Root, error) {
	var nopts []name.Option
	if target.IsLoopback(r.Host) {
		nopts = append(nopts, name.Insecure) // plain HTTP is tried, after HTTPS
	}
	ref, err := name.ParseReference(r.String(), nopts...)
	if err != nil {
		return nil, fmt.Errorf("not an image reference: %v", err)
	}
	puller, err := remote.NewPuller(c.options(ctx, ref.Context().Registry)...)
	if err != nil {
		return nil, err
	}
	src := &source{ctx: ctx, repo: ref.Context(), puller: puller}
	desc, err := remote.Get(ref, remote.WithContext(ctx), remote.Reuse(puller))
	if err != nil {
		return nil, describe(err)
	}
	root := &Root{Manifest: desc.Manifest, Digest: desc.Digest.String(), src: src}
	switch {
	case desc.MediaType.IsIndex():
		if root.index, err = desc.ImageIndex(); err == nil {
			root.Index, err = root.index.IndexManifest()
		}
	case desc.MediaType.IsSchema1():
		return nil, fmt.Errorf("a Docker schema 1 manifest (%s): not read, the format has been gone from registries since 2019", desc.MediaType)
	default:
		var img v1.Image
		if img, err = desc.Image(); err == nil {
			root.Image, err = image(img, root.Digest, src)
		}
	}
	if err != nil {
		return nil, describe(err)
	}
	return root, nil
}

// Child reads the image an index names by digest.
func (r *Root) Child(d v1.Descriptor) (*Image, error) {
	if !d.MediaType.IsImage() && d.MediaType != "" {
		return nil, fmt.Errorf("a %s, not an image manifest: not opened", d.MediaType)
	}
	img, err := r.index.Image(d.Digest)
	if err != nil {
		return nil, describe(err)
	}
	im, err := image(img, d.Digest.String(), r.src)
	return im, describe(err)
}

func image(img v1.Image, digest string, src *source) (*Image, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	return &Image{Digest: digest, Manifest: m, img: img, src: src}, nil
}

// Config reads the image's config blob, checked against its digest.
func (im *Image) Config() ([]byte, error) {
	b, err := im.img.RawConfigFile()
	return b, describe(err)
}

// Layer opens the layer d of the image: its bytes as pushed (gzip, zstd
// or none), checked as they are read against d's size (a byte past it
// fails the read; a stream that ends short fails at its end) and digest
// (at its end). The blob is asked for by digest, not through the image,
// which would parse the whole manifest again for every layer.
func (im *Image) Layer(d v1.Descriptor) (io.ReadCloser, error) {
	l, err := im.src.puller.Layer(im.src.ctx, im.src.repo.Digest(d.Digest.String()))
	if err != nil {
		return nil, describe(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, describe(err)
	}
	return &sized{rc: rc, left: d.Size, size: d.Size}, nil
}

// Platform names a manifest of an index: os/arch[/variant], attestation
// for a build's attestation manifest, or its digest's start when it says
// nothing.
func Platform(d v1.Descriptor) string {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return "attestation"
	}
	p := d.Platform
	if p == nil || !platformWord(p.OS) || !platformWord(p.Architecture) || p.Variant != "" && !platformWord(p.Variant) {
		return "unknown" // none, or not the words a platform is: a name is no place to put outside text
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// platformWord is an OS, an architecture or a variant as registries write
// them (linux, arm64, v8, ppc64le, 386): no path, markup or control.
func platformWord(w string) bool {
	if w == "" || len(w) > 32 {
		return false
	}
	for _, c := range []byte(w) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Matches says whether platform (os/arch[/variant]) is one of want (all
// platforms when want is empty); os/arch matches every variant.
func Matches(platform string, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if platform == w || strings.HasPrefix(platform, w+"/") {
			return true
		}
	}
	return false
}

// describe turns go-containerregistry's errors into what a user can act
// on: a missing manifest or repository is ErrNotFound.
func describe(err error) error {
	if err == nil {
		return nil
	}
	var te *transport.Error
	if errors.As(err, &te) {
		if te.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%w (%v)", ErrNotFound, err)
		}
		for _, d := range te.Errors {
			if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
				return fmt.Errorf("%w (%v)", ErrNotFound, err)
			}
		}
	}
	return err
}

// sized reads a layer that must be size bytes long, naming the errors of
// its stream as describe does.
type sized struct {
	rc         io.ReadCloser
	left, size int64
}

func (s *sized) Read(p []byte) (int, error) {
	long := fmt.Errorf("the layer goes on past the %d bytes its manifest says it weighs", s.size)
	if s.left < 0 {
		return 0, long
	}
	if int64(len(p)) > s.left+1 {
		p = p[:s.left+1] // a byte past its size tells it lies
	}
	n, err := s.rc.Read(p)
	if s.left -= int64(n); s.left < 0 {
		return n - 1, long
	}
	switch {
	case err == io.EOF && s.left > 0:
		return n, fmt.Errorf("the layer ends after %d bytes; its manifest says it weighs %d", s.size-s.left, s.size)
	case err != nil && err != io.EOF:
		err = describe(err)
	}
	return n, err
}

func (s *sized) Close() error { return s.rc.Close() }
