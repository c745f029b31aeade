package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/cratesguard/cratesguard/internal/safe"
	"github.com/cratesguard/cratesguard/internal/target"
)

// platformRE is os/arch[/variant], as docker --platform takes it.
var platformRE = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$`)

// validateRegistries checks the settings of package and image targets.
func (c *Config) validateRegistries() error {
	uses := map[string]bool{}
	for _, t := range c.Targets {
		uses[t.Registry] = true
	}
	if uses[target.NPM] {
		if err := checkIndex(c.NPMRegistry); err != nil {
			return Errorf("npm-registry", "", "%v", err)
		}
	}
	if uses[target.PyPI] {
		if err := checkIndex(c.PyPIURL); err != nil {
			return Errorf("pypi-url", "", "%v", err)
		}
	}
	for _, p := range c.Platforms {
		if !platformRE.MatchString(p) {
			return Errorf("platform", p, "is not OS/ARCH or OS/ARCH/VARIANT (linux/amd64, linux/arm/v7)")
		}
	}
	return nil
}

// checkIndex accepts a registry's base URL: HTTPS (plain HTTP only to a
// loopback test server), with no credentials, query or token in it.
func checkIndex(raw string) error {
	if err := verifyCheckAPI(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw)
	switch {
	case u.User != nil:
		return fmt.Errorf("credentials in the URL would be sent along and printed: cratesguard reads public packages only")
	case safe.HasToken(raw):
		return fmt.Errorf("the URL holds a crates.io token")
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(raw, "?"):
		return fmt.Errorf("%q: a registry's base URL has no query or fragment", raw)
	}
	return nil
}
