// Package crawl discovers what a deployment serves beyond the URLs it was
// given: it classifies responses, extracts links from HTML, JavaScript, CSS,
// JSON, source maps, robots.txt and sitemaps as they stream past, and keeps
// the frontier of URLs to fetch (normalisation, depth, hosts, globs, limits).
// It knows nothing of HTTP clients or tokens.
package crawl

import (
	"mime"
	"net/url"
	"path"
	"strings"
)

// Content is what a response holds, as far as crawling cares.
type Content int

// Kinds of content.
const (
	Text Content = iota // scanned, no links extracted
	HTML
	JS
	CSS
	JSON
	SourceMap
	Robots
	Sitemap
	Binary
	Archive // a .crate, .tar.gz, .zip…: scanned member by member
	Wasm    // WebAssembly: code, its strings in its data section; scanned as bytes
)

func (c Content) String() string {
	return [...]string{"text", "HTML", "JavaScript", "CSS", "JSON", "source map", "robots.txt", "sitemap", "binary", "archive", "WebAssembly"}[c]
}

var archiveTypes = []string{"application/zip", "application/gzip", "application/x-gzip", "application/x-tar",
	"application/x-compressed-tar", "application/x-tgz", "application/x-zip-compressed", "application/x-xz",
	"application/zstd", "application/x-bzip2", "application/x-lz4", "application/vnd.debian.binary-package",
	"application/x-rpm", "application/x-cpio", "application/x-7z-compressed", "application/x-debian-package"}

// archiveExts name archives; what a body holds is told by its magic bytes
// whatever its name (internal/archive), this only names it in reports.
var archiveExts = map[string]bool{".zip": true, ".gz": true, ".tar": true, ".tgz": true, ".crate": true, ".xz": true,
	".txz": true, ".zst": true, ".tzst": true, ".bz2": true, ".tbz2": true, ".lz4": true, ".deb": true, ".rpm": true,
	".cpio": true, ".7z": true, ".whl": true, ".jar": true}

var binaryTypes = []string{"image/", "font/", "audio/", "video/", "application/pdf", "application/vnd.ms-fontobject",
	"application/font-", "application/x-font-", "application/x-protobuf"}

var binaryExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true, ".avif": true,
	".ico": true, ".bmp": true, ".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true,
	".mp4": true, ".webm": true, ".mp3": true, ".ogg": true, ".wav": true, ".pdf": true, ".br": true}

// Classify decides what a response is from its Content-Type and URL path.
func Classify(u *url.URL, contentType string) Content {
	mt, _, _ := mime.ParseMediaType(contentType)
	mt = strings.ToLower(mt)
	p := strings.ToLower(u.Path)
	ext := path.Ext(p)
	switch {
	case p == "/robots.txt":
		return Robots
	case strings.HasSuffix(p, "sitemap.xml") || strings.Contains(p, "sitemap") && strings.HasSuffix(mt, "xml"):
		return Sitemap
	case ext == ".map":
		return SourceMap
	case mt == "image/svg+xml":
		return Text
	case archiveExts[ext] && (mt == "" || mt == "application/octet-stream" || strings.HasPrefix(mt, "application/")):
		return Archive
	}
	for _, a := range archiveTypes {
		if mt == a {
			return Archive
		}
	}
	if mt == "application/wasm" || ext == ".wasm" && (mt == "" || mt == "application/octet-stream") {
		return Wasm
	}
	for _, b := range binaryTypes {
		if strings.HasPrefix(mt, b) {
			return Binary
		}
	}
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return HTML
	case strings.Contains(mt, "javascript") || strings.Contains(mt, "ecmascript"):
		return JS
	case mt == "text/css":
		return CSS
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return JSON
	}
	// No type, or a generic one: the extension decides.
	switch ext {
	case ".html", ".htm", "":
		if mt == "" || mt == "text/plain" || mt == "application/octet-stream" {
			if ext != "" || strings.HasSuffix(p, "/") || p == "" {
				return HTML
			}
		}
	case ".js", ".mjs", ".cjs":
		return JS
	case ".css":
		return CSS
	case ".json", ".webmanifest":
		return JSON
	}
	if binaryExts[ext] && (mt == "" || mt == "application/octet-stream") {
		return Binary
	}
	return Text
}
