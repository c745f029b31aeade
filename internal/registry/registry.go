// Package registry asks crates.io where a crate's files are: a crate's
// default version, and the download URL of a version's .crate. It sends no
// token, and keeps to crates.io's crawler policy: a User-Agent naming a
// contact, at most one request per Interval.
package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cratesguard/cratesguard/internal/pace"
)

// ErrNotFound is crates.io saying the crate or version does not exist (yet:
// a version just published can take a moment to be served).
var ErrNotFound = errors.New("crates.io does not know it")

// Client talks to one crates.io API.
type Client struct {
	API       string // https://crates.io
	UserAgent string
	HTTP      *http.Client
	Interval  time.Duration // default 1s
	// CheckURL says why a download URL crates.io names must not be
	// fetched ("" when it may).
	CheckURL func(raw string) error

	mu    sync.Mutex
	pacer pace.Pacer
}

// DefaultVersion is the version crates.io serves for name by default.
func (c *Client) DefaultVersion(ctx context.Context, name string) (string, error) {
	var got struct {
		Crate struct {
			DefaultVersion   string `json:"default_version"`
			MaxStableVersion string `json:"max_stable_version"`
			MaxVersion       string `json:"max_version"`
		} `json:"crate"`
	}
	if err := c.get(ctx, "/api/v1/crates/"+url.PathEscape(name), &got); err != nil {
		return "", err
	}
	v := got.Crate.DefaultVersion
	for _, alt := range []string{got.Crate.MaxStableVersion, got.Crate.MaxVersion} {
		if v == "" {
			v = alt
		}
	}
	if v == "" {
		return "", fmt.Errorf("crates.io names no version of %s", name)
	}
	return v, nil
}

// DownloadURL is where the .crate of name at version is served.
func (c *Client) DownloadURL(ctx context.Context, name, version string) (string, error) {
	var got struct {
		URL string `json:"url"`
	}
	if err := c.get(ctx, "/api/v1/crates/"+url.PathEscape(name)+"/"+url.PathEscape(version)+"/download", &got); err != nil {
		return "", err
	}
	if got.URL == "" {
		return "", errors.New("crates.io named no download URL")
	}
	if c.CheckURL != nil {
		if err := c.CheckURL(got.URL); err != nil {
			return "", fmt.Errorf("the download URL crates.io named: %v", err)
		}
	}
	return got.URL, nil
}

// get asks the API for path (JSON), spaced by Interval.
func (c *Client) get(ctx context.Context, path string, into any) error {
	if err := c.pace(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.API, "/")+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	client := c.HTTP
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("asking crates.io: %v", err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 1<<20)
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("crates.io answered HTTP %d to GET %s", resp.StatusCode, path)
	}
	if err := json.NewDecoder(body).Decode(into); err != nil {
		return fmt.Errorf("crates.io's answer to GET %s is not the JSON expected: %v", path, err)
	}
	return nil
}

func (c *Client) pace(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pacer.Interval = c.Interval
	return c.pacer.Wait(ctx, 0)
}
