// Package cargo reads what a Cargo workspace publishes to crates.io: each
// package's name and version, as its Cargo.toml declares them (workspace
// inheritance and members' globs included), leaving out the packages that
// are not published there (publish = false, or a list without crates-io).
// It reads manifests only: it runs nothing and resolves no dependency.
package cargo

import (
	"errors"
	"fmt"
	"github.com/cratesguard/cratesguard/internal/files"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/BurntSushi/toml"
)

// Package is a crate the workspace publishes.
type Package struct {
	Name, Version string
	Manifest      string // its Cargo.toml
}

type manifest struct {
	Package *struct {
		Name    string `toml:"name"`
		Version any    `toml:"version"` // "1.2.3", or {workspace = true}
		Publish any    `toml:"publish"` // false, or a list of registries
	} `toml:"package"`
	Workspace *struct {
		Members []string `toml:"members"`
		Exclude []string `toml:"exclude"`
		Package struct {
			Version string `toml:"version"`
			Publish any    `toml:"publish"`
		} `toml:"package"`
	} `toml:"workspace"`
}

// maxManifest bounds a Cargo.toml read (a hostile checkout).
const maxManifest = 1 << 20

func read(path string) (*manifest, error) {
	b, err := files.ReadRegular(path, "", maxManifest) // not a FIFO, not /dev/urandom
	if err != nil {
		return nil, err
	}
	var m manifest
	if _, err := toml.Decode(string(b), &m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &m, nil
}

// Published lists the packages of the workspace rooted at dir (its
// Cargo.toml) that are published to crates.io, by name. resolve vets each
// manifest's path (it must stay inside the checkout) and may be nil.
func Published(dir string, resolve func(string) (string, error)) ([]Package, error) {
	if resolve == nil {
		resolve = func(p string) (string, error) { return p, nil }
	}
	rootPath, err := resolve(filepath.Join(dir, "Cargo.toml"))
	if err != nil {
		return nil, err
	}
	root, err := read(rootPath)
	if err != nil {
		return nil, err
	}
	var wsVersion string
	var wsPublish any
	paths := []string{}
	if root.Package != nil {
		paths = append(paths, rootPath)
	}
	if ws := root.Workspace; ws != nil {
		wsVersion, wsPublish = ws.Package.Version, ws.Package.Publish
		var excluded []string
		for _, x := range ws.Exclude {
			excluded = append(excluded, filepath.Clean(filepath.Join(dir, x)))
		}
		for _, pat := range ws.Members {
			matches, err := filepath.Glob(filepath.Join(dir, pat))
			if err != nil {
				return nil, fmt.Errorf("%s: workspace member %q: %v", rootPath, pat, err)
			}
			for _, m := range matches {
				if slices.Contains(excluded, filepath.Clean(m)) {
					continue
				}
				p, err := resolve(filepath.Join(m, "Cargo.toml"))
				if err != nil {
					if errors.Is(err, os.ErrNotExist) {
						continue // a glob matches directories that are no crates
					}
					return nil, err
				}
				if p != rootPath && !slices.Contains(paths, p) {
					paths = append(paths, p)
				}
			}
		}
	}
	var out []Package
	for _, p := range paths {
		m := root
		if p != rootPath {
			if m, err = read(p); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				return nil, err
			}
		}
		if m.Package == nil || m.Package.Name == "" {
			continue
		}
		version := m.Package.Version
		if t, ok := version.(map[string]any); ok && t["workspace"] == true {
			version = wsVersion
		}
		v, _ := version.(string)
		publish := m.Package.Publish
		if t, ok := publish.(map[string]any); ok && t["workspace"] == true {
			publish = wsPublish
		}
		if v == "" || !toCratesIO(publish) {
			continue // no version: Cargo does not publish it (publish = false is implied)
		}
		out = append(out, Package{Name: m.Package.Name, Version: v, Manifest: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// toCratesIO reads a publish setting: absent or true publishes anywhere,
// false nowhere, a list only to the registries it names.
func toCratesIO(publish any) bool {
	switch p := publish.(type) {
	case nil:
		return true
	case bool:
		return p
	case []any:
		for _, r := range p {
			if r == "crates-io" {
				return true
			}
		}
		return false
	}
	return false
}
