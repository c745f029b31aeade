package main

import (
	"crypto/x509"
	"sync"

	"github.com/cratesguard/cratesguard/internal/config"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

var rootsOnce sync.Once

// fallbackRoots gives TLS the CA roots compiled into the binary, used when
// the system has none (the action's image is empty: no /etc/ssl). They are
// parsed only by runs that may make an HTTPS request: parsing them takes
// about 2 ms, which every start-up paid while the fallback package did it
// in its init (a third of a small scan's time).
func fallbackRoots() {
	rootsOnce.Do(func() {
		p := x509.NewCertPool()
		for c := range bundle.Roots() {
			cert, err := x509.ParseCertificate(c.Certificate)
			if err != nil {
				continue // a root that does not parse verifies nothing
			}
			if c.Constraint == nil {
				p.AddCert(cert)
			} else {
				p.AddCertWithConstraint(cert, c.Constraint)
			}
		}
		x509.SetFallbackRoots(p)
	})
}

// needsTLS says whether a scan may make an HTTPS request: a URL, crate,
// package or image target, or a question to crates.io.
func needsTLS(cfg config.Config) bool {
	if cfg.Verify || cfg.Revoke {
		return true
	}
	for _, t := range cfg.Targets {
		if t.IsURL() || t.Crate != "" || t.IsPackage() {
			return true
		}
	}
	return false
}
