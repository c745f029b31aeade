package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/npm"
	"github.com/cratesguard/cratesguard/internal/pypi"
	"github.com/cratesguard/cratesguard/internal/target"
)

// Packages a release pushes to npm and PyPI: their registry's metadata is
// asked where the files are and what they must hash to, then each file is
// downloaded and scanned as an archive (an npm tarball, a wheel, an
// sdist), its digest checked (see digest). The metadata itself is scanned
// too, as the part "registry metadata" of npm:NAME or pypi:NAME: it is
// published, and holds what the package's manifest and README say.

// PartMetadata is a package's metadata as its registry serves it.
const PartMetadata = "registry metadata"

// maxPyPIFiles bounds the files of one PyPI release scanned; the rest are
// reported as not opened.
var maxPyPIFiles = 200

// errNotServed is a registry that does not serve the version (yet).
var errNotServed = errors.New("not served")

// registryJSON gets a registry's JSON document at raw, at most --max-bytes
// of it, with the download's retries and request rules. A 404 is
// errNotServed.
func (e *engine) registryJSON(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if why := e.policy.Check(u, nil); why != "" {
		return nil, fmt.Errorf("%s: %s", raw, why)
	}
	opts := e.downloadOptions(u, "")
	opts.Headers = []fetch.Header{{Name: "Accept", Value: "application/json"}}
	f := fetch.New(opts)
	defer f.Close()
	var buf bytes.Buffer
	var status int
	var truncated bool
	err = f.Get(ctx, raw, 0, func(r *fetch.Response) error {
		buf.Reset()
		status = r.Status
		if r.Redirect != "" || r.Status != http.StatusOK {
			return nil
		}
		_, err := buf.ReadFrom(r.Body)
		truncated = r.Body.Truncated()
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case status == http.StatusNotFound:
		return nil, errNotServed
	case status != http.StatusOK:
		return nil, fmt.Errorf("GET %s: HTTP %d %s", raw, status, http.StatusText(status))
	case truncated:
		return nil, fmt.Errorf("GET %s: the answer is larger than --max-bytes %d: not read", raw, e.cfg.MaxBytes)
	}
	return buf.Bytes(), nil
}

// scanMetadata scans what a registry says of a package, as the part
// PartMetadata of place.
func (e *engine) scanMetadata(sc *worker, meta []byte, place string, order int) {
	loc := findings.Location{Target: place, IsURL: true, Part: PartMetadata, Order: order}
	e.scanStream(sc, bytes.NewReader(meta), crawl.JSON, linksAt{}, loc, nil)
}

// fetchNPM resolves npm:NAME[@VERSION] in --npm-registry's packument and
// scans the version's tarball, checked against its dist.integrity.
func (e *engine) fetchNPM(ctx context.Context, sc *worker, j job) {
	begun := time.Now()
	tg := *j.target
	t := findings.Target{Target: tg.String(), IsURL: true, Start: true, Order: j.order, Content: crawl.Archive.String()}
	defer func() {
		t.Duration = time.Since(begun)
		e.coll.AddTarget(t)
	}()
	pkt := npm.PackumentURL(e.cfg.NPMRegistry, tg.Package)
	wait := e.waiting(begun)
	var d npm.Dist
	for {
		doc, err := e.registryJSON(ctx, pkt)
		if err == nil {
			d, err = npm.Resolve(doc, tg.Version)
		}
		if err == nil {
			break
		}
		notServed := errors.Is(err, errNotServed) || errors.Is(err, npm.ErrNoVersion)
		if !notServed || !wait.again(ctx) {
			t.State, t.Reason = findings.Failed, npmError(tg, err)+wait.waited(notServed)
			return
		}
	}
	if tg.Version == "" {
		t.Target += "@" + d.Version
	}
	place := target.NPMPrefix + tg.Package
	e.scanMetadata(sc, d.Metadata, place, j.order)
	t.Via = "npm: " + d.Tarball
	u, err := url.Parse(d.Tarball)
	if err != nil {
		t.State, t.Reason = findings.Failed, "the packument's dist.tarball is not a URL"
		return
	}
	sum := newDigest(d.Algo, d.Want, "the packument's dist.integrity")
	if sum == nil {
		t.Warnings = append(t.Warnings, "the packument names no integrity for this version: the tarball is scanned unchecked")
	}
	e.download(ctx, sc, j, u, e.downloader(u, ""), &t, as{place: place, sum: sum})
}

func npmError(t target.Target, err error) string {
	switch {
	case errors.Is(err, errNotServed):
		return fmt.Sprintf("the npm registry has no package %s", t.Package)
	case errors.Is(err, npm.ErrNoVersion):
		return fmt.Sprintf("the npm registry lists no version %s of %s", t.Version, t.Package)
	}
	return err.Error()
}

// fetchPyPI asks --pypi-url's JSON API for pypi:NAME[==VERSION] and scans
// every file of the release (wheels, sdists), each a target of its own,
// checked against its digests.sha256.
func (e *engine) fetchPyPI(ctx context.Context, sc *worker, j job) {
	begun := time.Now()
	tg := *j.target
	fail := func(why string) {
		e.coll.AddTarget(findings.Target{Target: tg.String(), IsURL: true, Start: true, Order: j.order,
			State: findings.Failed, Reason: why, Duration: time.Since(begun)})
	}
	api := pypi.ReleaseURL(e.cfg.PyPIURL, tg.Package, tg.Version)
	wait := e.waiting(begun)
	var rel pypi.Release
	for {
		doc, err := e.registryJSON(ctx, api)
		if err == nil {
			rel, err = pypi.Parse(doc, maxPyPIFiles)
		}
		if err == nil {
			break
		}
		notServed := errors.Is(err, errNotServed)
		if !notServed || !wait.again(ctx) {
			why := err.Error()
			if notServed {
				why = fmt.Sprintf("the index has no release %s", tg.String())
			}
			fail(why + wait.waited(notServed))
			return
		}
	}
	name := tg.String()
	if tg.Version == "" {
		name += "==" + rel.Version
	}
	place := target.PyPIPrefix + tg.Package
	e.scanMetadata(sc, rel.Metadata, place, j.order)
	for i, f := range rel.Files {
		if ctx.Err() != nil {
			e.mu.Lock()
			e.unrun += len(rel.Files) - i
			e.mu.Unlock()
			return
		}
		fbegun := time.Now()
		file := memberName(f.Filename, true)
		t := findings.Target{Target: name + findings.ArchiveSep + file, IsURL: true, Start: true, Order: j.order,
			Via: "PyPI: " + f.URL, Content: crawl.Archive.String()}
		if u, err := url.Parse(f.URL); err != nil {
			t.State, t.Reason = findings.Failed, "the index's url of this file is not a URL"
		} else {
			sum := newDigest("sha256", f.SHA256, "the index's digests.sha256")
			if f.SHA256 == nil {
				sum = nil
				t.Warnings = append(t.Warnings, "the index names no sha256 for this file: it is scanned unchecked")
			}
			e.download(ctx, sc, j, u, e.downloader(u, ""), &t, as{place: place + findings.ArchiveSep + file, sum: sum})
		}
		t.Duration = time.Since(fbegun)
		if i == len(rel.Files)-1 && rel.More > 0 {
			t.AddUnopened(findings.Unopened{Part: name, Format: "pypi release",
				Reason: fmt.Sprintf("it has %d files, more than the %d scanned: the last %d were not downloaded", len(rel.Files)+rel.More, maxPyPIFiles, rel.More)})
		}
		e.coll.AddTarget(t)
	}
}
