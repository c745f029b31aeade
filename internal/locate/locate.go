// Package locate points findings at the code that leaked them. Given a
// checkout of the repository, it looks for each leaked token in the
// checkout's files (respecting .gitignore); failing that, it follows the
// source map of the file the token was served in back to the original
// source and line, and uses that file if the checkout has it. A finding it
// relocates gets the repository place as its primary location; the URLs
// stay as related locations, and the fingerprint (the token's) is kept.
package locate

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// Options say where the checkout is and how to ask a source map.
type Options struct {
	Repo string
	// MapPlaces looks places of a bundle up in the source map at a URL
	// (streamed, never held whole); nil disables that step. The crawl
	// already did so for the maps it fetched (Location.Source is set).
	MapPlaces func(ctx context.Context, mapURL string, places []crawl.Pos) ([]crawl.Mapped, error)
	// MaxFileBytes skips larger files in the checkout (default 16 MiB).
	MaxFileBytes int64
}

// Relocate updates rep's findings in place.
func Relocate(ctx context.Context, rep *findings.Report, opts Options) {
	if opts.Repo == "" || len(rep.Findings) == 0 {
		return
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = 16 << 20
	}
	found := searchRepo(opts, rep.Findings)
	maps := map[string]string{} // served URL -> its source map URL
	for _, t := range rep.Targets {
		if t.SourceMap != "" {
			maps[t.Target] = t.SourceMap
		}
	}
	askMaps(ctx, opts, rep.Findings, maps)
	for _, f := range rep.Findings {
		if loc, ok := found[f.SHA256]; ok {
			prepend(f, loc)
			continue
		}
		if loc, ok := viaSourceMap(opts, f); ok {
			prepend(f, loc)
		}
	}
}

// askMaps looks up, once per map, the places in bundles whose source map
// the crawl did not read, and records the answers on the places.
func askMaps(ctx context.Context, opts Options, fs []*findings.Finding, maps map[string]string) {
	if opts.MapPlaces == nil {
		return
	}
	wants := map[string][]crawl.Pos{}
	for _, f := range fs {
		for _, l := range f.Locations {
			if m, ok := maps[l.Target]; ok && l.IsURL && l.Part == "" && l.Encoding == "" && l.Source == "" {
				wants[m] = append(wants[m], crawl.Pos{Line: l.Line, Column: l.Column16})
			}
		}
	}
	answers := map[string][]crawl.Mapped{}
	for m, ps := range wants {
		if got, err := opts.MapPlaces(ctx, m, ps); err == nil {
			answers[m] = got
		}
	}
	for _, f := range fs {
		for i := range f.Locations {
			l := &f.Locations[i]
			m, ok := maps[l.Target]
			if !ok || !l.IsURL || l.Part != "" || l.Source != "" {
				continue
			}
			for _, a := range answers[m] {
				if a.Pos.Line == l.Line && a.Pos.Column == l.Column16 {
					l.Source, l.SourceLine, l.SourceMap = a.Source, a.Line, m
				}
			}
		}
	}
}

// prepend makes loc the finding's primary place. When the finding was
// already seen at that very place (a file of the checkout was scanned), that
// place is marked as the repository's instead of added twice.
func prepend(f *findings.Finding, loc findings.Location) {
	loc.InRepo, loc.Order = true, -1
	for i, l := range f.Locations {
		if !l.IsURL && l.Line == loc.Line && sameFile(l.Target, loc.Target) {
			l.InRepo, l.Order = true, -1
			f.Locations = append([]findings.Location{l}, append(f.Locations[:i:i], f.Locations[i+1:]...)...)
			return
		}
	}
	f.Locations = append([]findings.Location{loc}, f.Locations...)
	f.Occurrences++
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// searchRepo scans the checkout once for all leaked tokens and returns the
// first place (in walk order) each was found.
func searchRepo(opts Options, fs_ []*findings.Finding) map[string]findings.Location {
	want := map[string]string{} // token -> sha
	for _, f := range fs_ {
		want[f.Token.Reveal()] = f.SHA256
	}
	out := map[string]findings.Location{}
	var gi gitignore
	gi.load(opts.Repo, "")
	var sc detect.Scanner
	filepath.WalkDir(opts.Repo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(opts.Repo, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			if d.Name() == ".git" || gi.ignored(rel, true) {
				return fs.SkipDir
			}
			gi.load(opts.Repo, rel)
			return nil
		}
		if !d.Type().IsRegular() || gi.ignored(rel, false) {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > opts.MaxFileBytes {
			return nil
		}
		fh, err := os.Open(p)
		if err != nil {
			return nil
		}
		defer fh.Close()
		sc.Scan(fh, func(m detect.Match) {
			sha, ok := want[m.Token]
			if _, seen := out[sha]; ok && !seen {
				out[sha] = findings.Location{Target: p, Line: m.Line, Column: m.Column, Column16: m.Column16, Offset: m.Offset, Length: len(m.Token)}
			}
		})
		if len(out) == len(want) {
			return filepath.SkipAll
		}
		return nil
	})
	return out
}

// viaSourceMap maps a finding back to its original source through what a
// source map said: the sourcesContent it was found in, or the mappings of
// the bundle it was served in.
func viaSourceMap(opts Options, f *findings.Finding) (findings.Location, bool) {
	for _, l := range f.Locations {
		if l.Source == "" {
			continue
		}
		p, ok := inRepo(opts.Repo, l.Source)
		if !ok {
			continue
		}
		from := "its sourcesContent"
		if l.SourceMap != "" {
			from = l.SourceMap
		}
		return findings.Location{Target: p, Line: l.SourceLine, Part: "original source of " + l.Target + ", from " + from}, true
	}
	return findings.Location{}, false
}

// inside says whether p, its links resolved, is in repo: a link in the
// checkout that leads out of it names no file of the repository.
func inside(repo, p string) bool {
	real, err1 := filepath.EvalSymlinks(p)
	root, err2 := filepath.EvalSymlinks(repo)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

var schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:/*`)

// inRepo finds a source path from a source map in the checkout: webpack://,
// ./ and ../ prefixes are dropped, then ever shorter tails of the path are
// tried, longest first.
func inRepo(repo, src string) (string, bool) {
	src = schemePrefix.ReplaceAllString(src, "")
	if i := strings.IndexAny(src, "?#"); i >= 0 {
		src = src[:i]
	}
	var parts []string
	for _, p := range strings.Split(src, "/") {
		if p != "" && p != "." && p != ".." {
			parts = append(parts, p)
		}
	}
	for i := range parts {
		p := filepath.Join(repo, filepath.FromSlash(strings.Join(parts[i:], "/")))
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && inside(repo, p) {
			return p, true
		}
	}
	return "", false
}
