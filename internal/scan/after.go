package scan

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/fetch"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/locate"
	"github.com/cratesguard/cratesguard/internal/triage"
	"github.com/cratesguard/cratesguard/internal/verify"
	"github.com/cratesguard/cratesguard/internal/version"
)

// after runs the stages that work on findings: the ignore file first (an
// ignored token is never sent anywhere), then verification, then pointing
// alerts at the repository.
func (e *engine) after(ctx context.Context, rep *findings.Report) {
	cfg := e.cfg
	if len(cfg.Ignore) > 0 {
		active, expired := triage.Active(cfg.Ignore, time.Now())
		for _, x := range expired {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s:%d: the ignore entry for %s… expired on %s: the token is reported again",
				cfg.IgnoreFile, x.Line, x.SHA256[:min(16, len(x.SHA256))], x.Expires.Format("2006-01-02")))
		}
		kept := rep.Findings[:0]
		for _, f := range rep.Findings {
			x, ok := triage.Match(active, f.SHA256)
			if !ok {
				kept = append(kept, f)
				continue
			}
			ig := findings.Ignored{Rule: f.Rule, Token: f.Token, SHA256: f.SHA256, Reason: x.Reason,
				FileLine: fmt.Sprintf("%s:%d", cfg.IgnoreFile, x.Line)}
			if !x.Expires.IsZero() {
				ig.Expires = x.Expires.Format("2006-01-02")
			}
			rep.Ignored = append(rep.Ignored, ig)
		}
		rep.Findings = kept
	}
	if cfg.Verify || cfg.Revoke {
		v := &verify.Verifier{API: e.cfg.CratesAPI, UserAgent: version.UserAgent(), Client: e.policyClient()}
		e.verify(ctx, rep, v)
		if cfg.Revoke {
			e.revoke(ctx, rep, v)
		}
	}
	if cfg.Repo != "" {
		locate.Relocate(ctx, rep, locate.Options{Repo: cfg.Repo, MapPlaces: e.mapPlaces})
	}
}

// verify asks crates.io about each token, at most cfg.VerifyMax of them:
// the rest are "unknown", saying why.
func (e *engine) verify(ctx context.Context, rep *findings.Report, v *verify.Verifier) {
	asked := 0
	for _, f := range rep.Findings {
		var r verify.Result
		switch {
		case f.Placeholder:
			continue // a filler, not a credential: nothing to ask
		case f.Rule == detect.RuleTrustedPublishing:
			r = verify.Result{Validity: verify.Unverifiable, Detail: "trusted-publishing tokens have no read-only check; they expire 30 minutes after issue"}
		case asked >= e.cfg.VerifyMax:
			r = verify.Result{Validity: verify.Unknown, Detail: fmt.Sprintf("not checked: --verify-max %d tokens were checked already", e.cfg.VerifyMax)}
		default:
			asked++
			r = v.Check(ctx, f.Token.Reveal())
		}
		f.Validity, f.ValidityDetail = string(r.Validity), r.Detail
	}
	if n := len(rep.Findings) - asked; asked == e.cfg.VerifyMax && n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("--verify-max %d: the other tokens were not checked (their validity is unknown)", e.cfg.VerifyMax))
	}
}

// revoke has crates.io revoke each token verification found live, and each
// trusted-publishing token (no read-only check exists for those, and one
// served publicly is compromised): never a placeholder, an ignored token
// (those are gone from the findings by now) or one not known to be live.
func (e *engine) revoke(ctx context.Context, rep *findings.Report, v *verify.Verifier) {
	for _, f := range rep.Findings {
		switch {
		case f.Placeholder:
			continue
		case f.Rule == detect.RuleTrustedPublishing, f.Validity == string(verify.Active):
			r := v.Revoke(ctx, f.Token.Reveal(), f.Rule == detect.RuleTrustedPublishing)
			f.Revocation, f.RevocationDetail = string(r.Outcome), r.Detail
		case f.Validity == string(verify.Unknown):
			f.RevocationDetail = "not revoked: its validity is unknown (" + f.ValidityDetail + ")"
		}
	}
}

// recordMap keeps what a crawled source map (at mapURL) says about the
// places of its bundle.
func (e *engine) recordMap(mapURL, bundle string, b *body) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fetchedMaps[mapURL] = true
	if bundle != "" && b != nil {
		e.mapped[bundle] = append(e.mapped[bundle], b.mapped...)
		e.mapOf[bundle] = mapURL
	}
}

// applyMapped gives each finding place in a bundle the original source and
// line its crawled source map names.
func (e *engine) applyMapped(rep *findings.Report) {
	if len(e.mapped) == 0 {
		return
	}
	for _, f := range rep.Findings {
		for i := range f.Locations {
			l := &f.Locations[i]
			if !l.IsURL || l.Part != "" || l.Encoding != "" || l.Source != "" {
				continue
			}
			for _, m := range e.mapped[l.Target] {
				if m.Pos.Line == l.Line && m.Pos.Column == l.Column16 {
					l.Source, l.SourceLine, l.SourceMap = m.Source, m.Line, e.mapOf[l.Target]
				}
			}
		}
	}
}

// mapPlaces looks places of a bundle up in its source map, for relocation
// when the crawl did not fetch the map (--depth 0, an excluded path). A map
// the crawl fetched is not fetched again. The map streams through the same
// bounded index as in the crawl.
func (e *engine) mapPlaces(ctx context.Context, mapURL string, wants []crawl.Pos) ([]crawl.Mapped, error) {
	e.mu.Lock()
	fetched := e.fetchedMaps[mapURL]
	e.fetchedMaps[mapURL] = true
	e.mu.Unlock()
	if fetched {
		return nil, fmt.Errorf("fetched already")
	}
	var out []crawl.Mapped
	err := e.fetcher.Get(ctx, mapURL, 0, func(r *fetch.Response) error {
		if r.Redirect != "" {
			return nil
		}
		if r.Status != http.StatusOK {
			return fmt.Errorf("HTTP %d", r.Status)
		}
		idx := crawl.NewSourceMapIndex()
		idx.Want(wants)
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Body.Read(buf)
			idx.Write(buf[:n])
			if err != nil {
				break
			}
		}
		out = idx.Resolve()
		return nil
	})
	return out, err
}
