// Package npm reads what an npm registry says of a package: where its
// packument is (GET {registry}/{name}, a scoped name as @scope%2Fname),
// which version dist-tags.latest names, and where a version's tarball is
// with the integrity it must have. It makes no request: the scan stage
// fetches, under the run's request policy, and scans the tarball.
package npm

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DefaultRegistry is npm's public registry.
const DefaultRegistry = "https://registry.npmjs.org"

// ErrNoVersion is a packument that does not list the version asked for
// (yet: a version just published can take a moment to be served).
var ErrNoVersion = errors.New("the registry lists no such version")

// PackumentURL is where registry serves name's packument.
func PackumentURL(registry, name string) string {
	return strings.TrimSuffix(registry, "/") + "/" + url.PathEscape(name)
}

// Dist is one version of a package as its packument gives it.
type Dist struct {
	Version string
	Tarball string // the tarball's URL, as the registry names it
	// Algo and Want are the digest the tarball must have (sha512 from
	// dist.integrity, or sha1 from dist.shasum in packages published
	// before integrity existed); Algo is "" when the registry names none.
	Algo string
	Want []byte
	// Metadata is the version's document in the packument, as served.
	Metadata []byte
}

// Resolve finds version (latest when empty: dist-tags.latest) in a
// packument.
func Resolve(packument []byte, version string) (Dist, error) {
	var doc struct {
		Tags     map[string]string          `json:"dist-tags"`
		Versions map[string]json.RawMessage `json:"versions"`
	}
	if err := json.Unmarshal(packument, &doc); err != nil {
		return Dist{}, fmt.Errorf("the packument is not the JSON expected: %v", err)
	}
	if version == "" {
		version = doc.Tags["latest"]
		if version == "" {
			return Dist{}, errors.New("the packument names no latest version (dist-tags.latest)")
		}
	}
	raw, ok := doc.Versions[version]
	if !ok {
		return Dist{Version: version}, ErrNoVersion
	}
	var v struct {
		Dist struct {
			Tarball   string `json:"tarball"`
			Integrity string `json:"integrity"`
			Shasum    string `json:"shasum"`
		} `json:"dist"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return Dist{}, fmt.Errorf("version %s in the packument is not the JSON expected: %v", version, err)
	}
	d := Dist{Version: version, Tarball: v.Dist.Tarball, Metadata: raw}
	if d.Tarball == "" {
		return d, fmt.Errorf("version %s names no tarball (dist.tarball)", version)
	}
	var err error
	switch {
	case v.Dist.Integrity != "":
		d.Algo, d.Want, err = Integrity(v.Dist.Integrity)
	case v.Dist.Shasum != "":
		d.Algo = "sha1"
		if d.Want, err = hex.DecodeString(v.Dist.Shasum); err == nil && len(d.Want) != 20 {
			err = errors.New("not 40 hex digits")
		}
		if err != nil {
			err = fmt.Errorf("dist.shasum is not a SHA-1: %v", err)
		}
	}
	return d, err
}

// sizes are the digest lengths of the algorithms Integrity takes, the
// strongest first.
var sizes = []struct {
	algo string
	n    int
}{{"sha512", 64}, {"sha384", 48}, {"sha256", 32}, {"sha1", 20}}

// Integrity reads a Subresource Integrity string (sha512-BASE64, several
// separated by spaces): the strongest digest in it.
func Integrity(sri string) (string, []byte, error) {
	for _, s := range sizes {
		for _, f := range strings.Fields(sri) {
			b64, ok := strings.CutPrefix(f, s.algo+"-")
			if !ok {
				continue
			}
			b64, _, _ = strings.Cut(b64, "?") // SRI options
			want, err := base64.StdEncoding.DecodeString(b64)
			if err != nil || len(want) != s.n {
				return "", nil, fmt.Errorf("dist.integrity's %s is not %d bytes of base64", s.algo, s.n)
			}
			return s.algo, want, nil
		}
	}
	return "", nil, errors.New("dist.integrity names no sha512, sha384, sha256 or sha1 digest")
}
