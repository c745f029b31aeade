package scan

import (
	"net/url"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/policy"
	"github.com/cratesguard/cratesguard/internal/target"
)

// requestPolicy makes the run's request rules from what the user named:
// URL start targets, release assets, the crates.io API, the registries of
// package and image targets (an image's over HTTPS, but on loopback).
func requestPolicy(cfg config.Config) *policy.Policy {
	var named []*url.URL
	for _, t := range cfg.Targets {
		if t.URL != nil {
			named = append(named, t.URL)
		}
		var raw string
		switch t.Registry {
		case target.NPM:
			raw = cfg.NPMRegistry
		case target.PyPI:
			raw = cfg.PyPIURL
		case target.OCI:
			raw = imageOrigin(t)
		}
		if u, err := url.Parse(raw); err == nil && raw != "" {
			named = append(named, u)
		}
	}
	if u, err := url.Parse(cfg.CratesAPI); err == nil && cfg.CratesAPI != "" {
		named = append(named, u)
	}
	return policy.New(named...)
}
