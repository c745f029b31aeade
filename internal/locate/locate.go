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
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
)

// Options say where the checkout is and how to get a source map.
type Options struct {
	Repo string
	// FetchMap returns a source map's body; nil disables the bundle step.
	FetchMap func(ctx context.Context, url string) ([]byte, error)
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
	for _, f := range rep.Findings {
		if loc, ok := found[f.SHA256]; ok {
			prepend(f, loc)
			continue
		}
		if loc, ok := viaSourceMap(ctx, opts, f, maps); ok {
			prepend(f, loc)
		}
	}
}

func prepend(f *findings.Finding, loc findings.Location) {
	loc.InRepo, loc.Order = true, -1
	f.Locations = append([]findings.Location{loc}, f.Locations...)
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
				out[sha] = findings.Location{Target: p, Line: m.Line, Column: m.Column, Offset: m.Offset, Length: len(m.Token)}
			}
		})
		if len(out) == len(want) {
			return filepath.SkipAll
		}
		return nil
	})
	return out
}

// viaSourceMap maps a finding back to its original source through a source
// map: directly when it was found in sourcesContent, or by decoding the
// mappings of the bundle it was served in.
func viaSourceMap(ctx context.Context, opts Options, f *findings.Finding, maps map[string]string) (findings.Location, bool) {
	for _, l := range f.Locations {
		if l.Source != "" {
			if p, ok := inRepo(opts.Repo, l.Source); ok {
				return findings.Location{Target: p, Line: l.SourceLine, Column: 1,
					Part: "original source of " + l.Target + ", from its sourcesContent"}, true
			}
		}
	}
	if opts.FetchMap == nil {
		return findings.Location{}, false
	}
	for _, l := range f.Locations {
		mapURL, ok := maps[l.Target]
		if !ok || !l.IsURL || l.Part != "" {
			continue
		}
		body, err := opts.FetchMap(ctx, mapURL)
		if err != nil {
			continue
		}
		var sm struct {
			Sources    []string `json:"sources"`
			SourceRoot string   `json:"sourceRoot"`
			Mappings   string   `json:"mappings"`
		}
		if json.Unmarshal(body, &sm) != nil {
			continue
		}
		src, line, ok := Lookup(sm.Mappings, l.Line, l.Column)
		if !ok || src >= len(sm.Sources) {
			continue
		}
		if p, ok := inRepo(opts.Repo, path.Join(sm.SourceRoot, sm.Sources[src])); ok {
			return findings.Location{Target: p, Line: line, Column: 1,
				Part: "original source of " + l.Target + ", from " + mapURL}, true
		}
	}
	return findings.Location{}, false
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
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}
