// Package target turns what the user names (URLs, paths, lists of them)
// into validated scan targets: the first stage of the pipeline.
package target

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// Target is one thing to scan: an http(s) URL or a local file or directory.
type Target struct {
	Raw  string   // as the user wrote it
	URL  *url.URL // set for URLs
	Path string   // set for local paths
}

// IsURL tells URL targets from paths.
func (t Target) IsURL() bool { return t.URL != nil }

// String is the URL or the path.
func (t Target) String() string {
	if t.URL != nil {
		return t.URL.String()
	}
	return t.Path
}

// Parse validates one target. Anything with a scheme must be http or https
// with a host; anything else must be an existing file or directory.
func Parse(raw string) (Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Target{}, fmt.Errorf("empty target")
	}
	if i := strings.Index(s, "://"); i > 0 && !strings.ContainsAny(s[:i], `/\`) {
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, fmt.Errorf("target %q is not a valid URL: %v", s, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return Target{}, fmt.Errorf("target %q: scheme %q is not supported (use http or https)", s, u.Scheme)
		}
		if u.Hostname() == "" {
			return Target{}, fmt.Errorf("target %q: URL has no host", s)
		}
		if u.User != nil {
			return Target{}, fmt.Errorf("target %q: credentials in URLs would be printed in reports; pass them with --header instead", redactUser(u))
		}
		u.Fragment = ""
		return Target{Raw: s, URL: u}, nil
	}
	if _, err := os.Lstat(s); err != nil {
		if os.IsNotExist(err) {
			return Target{}, fmt.Errorf("target %q: no such file or directory (URLs need http:// or https://)", s)
		}
		return Target{}, fmt.Errorf("target %q: %v", s, err)
	}
	return Target{Raw: s, Path: s}, nil
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("…")
	return c.String()
}

// ReadList reads targets from r, one per line; blank lines and lines
// starting with # are ignored. Errors name the source and line.
func ReadList(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if _, err := Parse(s); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return out, nil
}

// ReadFile reads a targets file.
func ReadFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadList(f, path)
}
