package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/oci"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/version"
)

// Images a release pushes: every platform of an index (or those
// --platform names), each a target of its own; of each, the config (Env,
// Cmd, Entrypoint, Labels, history, the rest) and every layer, streamed
// through the archive stage, whatever a later layer deletes (its bytes
// are still in the image). Places are named by repository, never by tag
// or digest: oci:ghcr.io/org/app!/sha256:<layer>/usr/local/bin/app,
// oci:ghcr.io/org/app!/config (Env), oci:ghcr.io/org/app!/linux/arm64/config
// for a platform of an index.

// Bounds on one image target, each reported when hit. Vars for the tests.
var (
	maxPlatforms       = 32      // manifests of an index scanned
	maxLayers          = 500     // layers of one image scanned
	maxConfig    int64 = 8 << 20 // an image's config blob
)

// formatLayer and formatImage name what was not opened.
const (
	formatLayer = "oci layer"
	formatImage = "oci image"
)

// imageOrigin is the registry of an image target as the request policy
// is told it: HTTPS, plain HTTP only on loopback.
func imageOrigin(t target.Target) string {
	host, _ := t.Image()
	if target.IsLoopback(host) {
		return "http://" + host
	}
	return "https://" + host
}

// images is the client image targets are read with.
func (e *engine) images() *oci.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.oci == nil {
		tr := e.opts.Transport
		if tr == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.DialContext = e.policy.Dial(e.cfg.Timeout)
			t.ResponseHeaderTimeout = e.cfg.Timeout
			tr = t
		}
		e.oci = oci.New(oci.Options{Transport: tr, Check: e.policy.Check, UserAgent: version.UserAgent(),
			Retries: e.cfg.Retries, Backoff: e.opts.Backoff, Token: e.cfg.GHCRToken})
	}
	return e.oci
}

// fetchImage resolves oci:REF and scans what it names.
func (e *engine) fetchImage(ctx context.Context, sc *worker, j job) {
	ctx, cancel := context.WithCancel(ctx) // what the client holds ends with the target
	defer cancel()
	begun := time.Now()
	tg := *j.target
	host, repo := tg.Image()
	base := target.OCIPrefix + host + "/" + repo // docker.io/library/x for oci:x, as it is pulled
	t := findings.Target{Target: tg.String(), IsURL: true, Start: true, Order: j.order, Content: "image"}
	wait := e.waiting(begun)
	var root *oci.Root
	for {
		r, err := e.images().Resolve(ctx, oci.Ref{Host: host, Repo: repo, Version: tg.Version})
		if err == nil {
			root = r
			break
		}
		notServed := errors.Is(err, oci.ErrNotFound)
		if !notServed || !wait.again(ctx) {
			t.State, t.Reason = findings.Failed, err.Error()+wait.waited(notServed)
			t.Duration = time.Since(begun)
			e.coll.AddTarget(t)
			return
		}
	}
	t.Via = "digest " + root.Digest
	e.scanPart(sc, root.Manifest, base, "manifest", j.order)
	seen := map[v1.Hash]bool{}
	if root.Image != nil {
		e.scanImage(sc, root.Image, base, "", j.order, &t, seen)
		t.Duration = time.Since(begun)
		e.coll.AddTarget(t)
		return
	}
	// An index: itself a target (its manifest, its caps), then each platform.
	t.Content, t.State = "image index", findings.Scanned
	var chosen []v1.Descriptor
	for _, d := range root.Index.Manifests {
		if oci.Matches(oci.Platform(d), e.cfg.Platforms) {
			chosen = append(chosen, d)
		}
	}
	switch {
	case len(chosen) == 0:
		t.State, t.Reason = findings.Failed, fmt.Sprintf("the index names %d manifests, none of a platform --platform names (%s)", len(root.Index.Manifests), strings.Join(e.cfg.Platforms, ", "))
	case len(chosen) > maxPlatforms:
		t.AddUnopened(findings.Unopened{Part: base, Format: "oci index", Reason: fmt.Sprintf("it names %d manifests, more than %d: the last %d were not read (--platform picks some)", len(chosen), maxPlatforms, len(chosen)-maxPlatforms)})
		chosen = chosen[:maxPlatforms]
	}
	t.Duration = time.Since(begun)
	e.coll.AddTarget(t)
	for _, d := range chosen {
		if ctx.Err() != nil {
			return
		}
		pbegun := time.Now()
		platform := oci.Platform(d)
		pt := findings.Target{Target: tg.String() + " (" + platform + ")", IsURL: true, Start: true, Order: j.order,
			Content: "image", Via: "digest " + d.Digest.String()}
		if im, err := root.Child(d); err != nil {
			pt.State, pt.Reason = findings.Failed, err.Error()
		} else {
			e.scanImage(sc, im, base, platform+"/", j.order, &pt, seen)
		}
		pt.Duration = time.Since(pbegun)
		e.coll.AddTarget(pt)
	}
}

// scanImage scans one image's config and layers into t. prefix is where
// its config is named ("linux/arm64/" in an index); seen holds the layers
// already scanned for this target (platforms share some).
func (e *engine) scanImage(sc *worker, im *oci.Image, base, prefix string, order int, t *findings.Target, seen map[v1.Hash]bool) {
	t.State = findings.Scanned
	cfg := im.Manifest.Config
	cplace := base + findings.ArchiveSep + prefix + "config"
	switch raw, err := e.imageConfig(im, cfg); {
	case err != nil:
		t.AddUnopened(findings.Unopened{Part: cplace, Format: "oci config", Reason: err.Error()})
	default:
		t.Bytes += int64(len(raw))
		for _, p := range oci.ConfigParts(raw) {
			e.scanPart(sc, p.Text, cplace, p.Name, order)
		}
	}
	layers := im.Manifest.Layers
	if len(layers) > maxLayers {
		t.AddUnopened(findings.Unopened{Part: base + findings.ArchiveSep + prefix, Format: formatImage,
			Reason: fmt.Sprintf("it has %d layers, more than %d: the last %d were not read", len(layers), maxLayers, len(layers)-maxLayers)})
		layers = layers[:maxLayers]
	}
	for _, d := range layers {
		if seen[d.Digest] || sc.ctx.Err() != nil {
			continue // scanned for another platform of the index
		}
		seen[d.Digest] = true
		e.scanLayer(sc, im, d, base, order, t)
	}
	if sc.ctx.Err() != nil {
		t.State, t.Reason = findings.Skipped, "interrupted before it was scanned to the end"
	}
}

// imageConfig reads an image's config, if it is not larger than maxConfig.
func (e *engine) imageConfig(im *oci.Image, d v1.Descriptor) ([]byte, error) {
	if d.Size > maxConfig {
		return nil, fmt.Errorf("its manifest says it weighs %d bytes, more than %d: not read", d.Size, maxConfig)
	}
	return im.Config()
}

// scanPart scans text as the part name of place (the part "" is place's
// own content).
func (e *engine) scanPart(sc *worker, text []byte, place, name string, order int) {
	loc := findings.Location{Target: place, IsURL: true, Part: name, Order: order}
	e.scanStream(sc, bytes.NewReader(text), crawl.JSON, linksAt{}, loc, nil)
}

// scanLayer streams one layer through the archive stage: its members are
// named under the layer's digest. A layer not read to its end (larger than
// --max-bytes, past --timeout, cut, not the size or digest its manifest
// names) is listed as not opened.
func (e *engine) scanLayer(sc *worker, im *oci.Image, d v1.Descriptor, base string, order int, t *findings.Target) {
	place := base + findings.ArchiveSep + d.Digest.String()
	unread := func(why string) { t.AddUnopened(findings.Unopened{Part: place, Format: formatLayer, Reason: why}) }
	if d.Size > e.cfg.MaxBytes {
		unread(fmt.Sprintf("its manifest says it weighs %d bytes, more than --max-bytes %d: not downloaded", d.Size, e.cfg.MaxBytes))
		return
	}
	rc, err := im.Layer(d)
	if err != nil {
		unread(err.Error())
		return
	}
	defer rc.Close()
	var late atomic.Bool
	timer := time.AfterFunc(e.cfg.Timeout, func() { late.Store(true); rc.Close() })
	cr := &countingReader{r: rc}
	src := &sourceReader{r: cr}
	br, ak := sniff(src)
	loc := findings.Location{Target: base, IsURL: true, Order: order}
	var b *body
	if ak == archive.None {
		loc.Target = place // a layer that is no archive: scanned as the bytes it is
		b, err = e.scanStream(sc, br, crawl.Archive, linksAt{}, loc, nil)
	} else {
		b, err = e.scanArchiveBody(sc, br, src, ak, loc, d.Digest.String())
	}
	if err == nil {
		_, err = io.Copy(io.Discard, br) // to its end: its size and digest are checked there
	}
	if !timer.Stop() {
		late.Store(true) // it fired: what was read may have been cut by it
	}
	t.Bytes += cr.n
	t.Warnings = append(t.Warnings, b.warnings...)
	b.unread(t)
	switch {
	case late.Load():
		unread(fmt.Sprintf("cut short after %d bytes: not read within --timeout %s", cr.n, e.cfg.Timeout))
	case err != nil:
		unread(fmt.Sprintf("cut short after %d bytes: %v", cr.n, err))
	}
	if t.State == findings.NotOpened {
		t.State, t.Reason = findings.Scanned, "" // the image's other parts were read: its unopened layers are listed
	}
}
