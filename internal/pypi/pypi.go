// Package pypi reads what a PyPI index's JSON API says of a release
// (GET {index}/pypi/{name}/{version}/json, or {index}/pypi/{name}/json for
// the latest): its version, and every file of it (wheels and sdists) with
// the SHA-256 each must have. It makes no request: the scan stage fetches,
// under the run's request policy, and scans each file.
package pypi

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DefaultIndex is PyPI.
const DefaultIndex = "https://pypi.org"

// ReleaseURL is where index's JSON API describes name at version (the
// latest release when version is empty).
func ReleaseURL(index, name, version string) string {
	u := strings.TrimSuffix(index, "/") + "/pypi/" + url.PathEscape(name) + "/"
	if version != "" {
		u += url.PathEscape(version) + "/"
	}
	return u + "json"
}

// File is one file of a release.
type File struct {
	Filename    string
	URL         string
	PackageType string // bdist_wheel, sdist…
	SHA256      []byte // nil when the index names no digest
}

// Release is what the JSON API says of a release.
type Release struct {
	Version string
	Files   []File // at most the max Parse was given
	// More counts the files past that max.
	More int
	// Metadata is the release's info object, as served (its description
	// is the project's README).
	Metadata []byte
}

// Parse reads a JSON API answer, keeping at most max files.
func Parse(body []byte, max int) (Release, error) {
	var doc struct {
		Info json.RawMessage `json:"info"`
		URLs []struct {
			Filename    string `json:"filename"`
			URL         string `json:"url"`
			PackageType string `json:"packagetype"`
			Digests     struct {
				SHA256 string `json:"sha256"`
			} `json:"digests"`
		} `json:"urls"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return Release{}, fmt.Errorf("the JSON API's answer is not the JSON expected: %v", err)
	}
	var info struct {
		Version string `json:"version"`
	}
	if len(doc.Info) > 0 {
		if err := json.Unmarshal(doc.Info, &info); err != nil {
			return Release{}, fmt.Errorf("the JSON API's info is not the JSON expected: %v", err)
		}
	}
	r := Release{Version: info.Version, Metadata: doc.Info}
	for i, f := range doc.URLs {
		if i >= max {
			r.More = len(doc.URLs) - max
			break
		}
		file := File{Filename: f.Filename, URL: f.URL, PackageType: f.PackageType}
		if f.URL == "" || f.Filename == "" {
			return r, fmt.Errorf("file %d of the release has no url or filename", i+1)
		}
		if f.Digests.SHA256 != "" {
			sum, err := hex.DecodeString(f.Digests.SHA256)
			if err != nil || len(sum) != 32 {
				return r, fmt.Errorf("file %d of the release: digests.sha256 is not 64 hex digits", i+1)
			}
			file.SHA256 = sum
		}
		r.Files = append(r.Files, file)
	}
	if len(doc.URLs) == 0 {
		return r, errors.New("the release has no files")
	}
	return r, nil
}
