// Package benchcorpus provides real minified JavaScript, CSS and a source
// map for benchmarks: pinned npm packages' dist files, fetched with npm at
// benchmark time into a cache and never committed.
package benchcorpus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// File is one pinned file inside an npm package.
type File struct{ Package, Path string }

// Files are the pinned corpus files: minified bundles of popular libraries,
// a CSS bundle and a source map.
var Files = []File{
	{"react-dom@18.3.1", "package/umd/react-dom.production.min.js"},
	{"three@0.160.0", "package/build/three.module.min.js"},
	{"lodash@4.17.21", "package/lodash.min.js"},
	{"d3@7.8.5", "package/dist/d3.min.js"},
	{"vue@3.4.21", "package/dist/vue.global.prod.js"},
	{"bootstrap@5.3.3", "package/dist/js/bootstrap.bundle.min.js"},
	{"bootstrap@5.3.3", "package/dist/js/bootstrap.bundle.min.js.map"},
	{"bootstrap@5.3.3", "package/dist/css/bootstrap.min.css"},
	{"plotly.js-dist-min@2.35.2", "package/plotly.min.js"},
	{"@babel/standalone@7.26.2", "package/babel.min.js"},
	{"@babel/standalone@7.26.2", "package/babel.min.js.map"},
	{"echarts@5.5.1", "package/dist/echarts.min.js"},
	{"pdfjs-dist@4.8.69", "package/build/pdf.worker.min.mjs"},
	{"pdfjs-dist@4.8.69", "package/build/pdf.sandbox.min.mjs"},
	{"typescript@5.6.3", "package/lib/typescript.js"},
}

// Tiled returns the corpus repeated until it holds at least n bytes, so a
// benchmark streams from memory rather than from the CPU's caches.
func Tiled(tb testing.TB, n int) []byte {
	tb.Helper()
	one := Concat(tb)
	out := make([]byte, 0, n+len(one))
	for len(out) < n {
		out = append(out, one...)
	}
	return out
}

// CacheDir is where the files are kept: $CRATESGUARD_BENCH_CACHE, or
// cratesguard-bench under the user cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv("CRATESGUARD_BENCH_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "cratesguard-bench"), nil
}

// Load returns the corpus files' contents, fetching what is missing. It
// skips the benchmark when npm or the registry is unavailable.
func Load(tb testing.TB) map[File][]byte {
	tb.Helper()
	out, err := load()
	if err != nil {
		tb.Skipf("benchmark corpus unavailable: %v", err)
	}
	return out
}

// Concat returns all corpus files joined by newlines, skipping the
// benchmark when they cannot be had.
func Concat(tb testing.TB) []byte {
	tb.Helper()
	b, err := All()
	if err != nil {
		tb.Skipf("benchmark corpus unavailable: %v", err)
	}
	return b
}

// All returns all corpus files joined by newlines, fetching what is missing.
func All() ([]byte, error) {
	m, err := load()
	if err != nil {
		return nil, err
	}
	return joined(m), nil
}

// Cached returns all corpus files joined by newlines if every one is in
// the cache already: it never fetches (for tests, which must not wait on
// a registry).
func Cached() ([]byte, bool) {
	dir, err := CacheDir()
	if err != nil {
		return nil, false
	}
	m := map[File][]byte{}
	for _, f := range Files {
		if m[f], err = os.ReadFile(cached(dir, f)); err != nil {
			return nil, false
		}
	}
	return joined(m), true
}

// joined is the files in m, in the order of Files, each ended by a newline.
func joined(m map[File][]byte) []byte {
	var b bytes.Buffer
	for _, f := range Files {
		b.Write(m[f])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// cached is where f is kept in the cache dir.
func cached(dir string, f File) string {
	return filepath.Join(dir, strings.ReplaceAll(f.Package, "/", "_"), filepath.FromSlash(f.Path))
}

func load() (map[File][]byte, error) {
	dir, err := CacheDir()
	if err != nil {
		return nil, err
	}
	out := map[File][]byte{}
	for _, f := range Files {
		path := cached(dir, f)
		b, err := os.ReadFile(path)
		if err != nil {
			if err := fetch(dir, f.Package); err != nil {
				return nil, err
			}
			if b, err = os.ReadFile(path); err != nil {
				return nil, fmt.Errorf("%s has no %s", f.Package, f.Path)
			}
		}
		out[f] = b
	}
	return out, nil
}

// fetch downloads a package with `npm pack` and unpacks it into the cache.
func fetch(dir, pkg string) error {
	tmp, err := os.MkdirTemp("", "cratesguard-npm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", pkg, "--silent", "--pack-destination", tmp)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm pack %s: %v: %s", pkg, err, bytes.TrimSpace(out))
	}
	tgzs, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tgzs) != 1 {
		return fmt.Errorf("npm pack %s made %d archives", pkg, len(tgzs))
	}
	return untar(tgzs[0], filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")))
}

func untar(tgz, dest string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			continue
		}
		p := filepath.Join(dest, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
}
