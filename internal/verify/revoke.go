package verify

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Revocation is what asking crates.io to revoke a token came to.
type Revocation string

// Revocation outcomes.
const (
	Revoked         Revocation = "revoked"          // crates.io revoked it (HTTP 204)
	LiveScoped      Revocation = "live-scoped"      // live, but a scoped token cannot revoke itself: its owner must
	AlreadyInactive Revocation = "already-inactive" // crates.io did not know it (authentication failed)
	RevokeFailed    Revocation = "failed"           // anything else; Detail says what
)

// RevokeResult is one token's revocation with the reason behind it.
type RevokeResult struct {
	Outcome Revocation
	Detail  string
}

// Revoke asks crates.io to revoke a token with the token itself:
// DELETE /api/v1/tokens/current (Authorization: the token) for an API
// token, DELETE /api/v1/trusted_publishing/tokens (Authorization: Bearer)
// for a trusted-publishing one. It shares Check's discipline: one request
// per token per run, spaced by Interval, no redirect followed, the token
// never in a message.
func (v *Verifier) Revoke(ctx context.Context, token string, trustedPublishing bool) RevokeResult {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.revoked == nil {
		v.revoked = map[string]RevokeResult{}
	}
	if r, ok := v.revoked[token]; ok {
		return r
	}
	var last RevokeResult
	for attempt := 0; attempt <= max(v.Retries, 1); attempt++ {
		if err := v.wait(ctx, attempt); err != nil {
			return RevokeResult{RevokeFailed, "cancelled before crates.io was asked"}
		}
		var retry bool
		last, retry = v.revokeOnce(ctx, token, trustedPublishing)
		if !retry {
			break
		}
	}
	v.revoked[token] = last
	return last
}

func (v *Verifier) revokeOnce(ctx context.Context, token string, tp bool) (RevokeResult, bool) {
	endpoint, auth := "/api/v1/tokens/current", token
	if tp {
		endpoint, auth = "/api/v1/trusted_publishing/tokens", "Bearer "+token
	}
	status, body, err := v.request(ctx, http.MethodDelete, endpoint, auth)
	if err != nil {
		return RevokeResult{RevokeFailed, "request failed: " + scrub(err.Error(), token)}, true
	}
	switch {
	case status == http.StatusNoContent || status == http.StatusOK:
		return RevokeResult{Revoked, fmt.Sprintf("crates.io revoked it (HTTP %d to DELETE %s)", status, endpoint)}, false
	case strings.Contains(body, "does not have the required permissions"):
		return RevokeResult{LiveScoped, "the token is live but scoped, and a scoped token cannot revoke itself: its owner must revoke it at https://crates.io/settings/tokens"}, false
	case strings.Contains(body, "authentication failed"):
		return RevokeResult{AlreadyInactive, "crates.io no longer accepts the token (authentication failed)"}, false
	case status == http.StatusTooManyRequests || status >= 500:
		return RevokeResult{RevokeFailed, fmt.Sprintf("crates.io answered HTTP %d", status)}, true
	case status >= 300 && status < 400:
		return RevokeResult{RevokeFailed, fmt.Sprintf("crates.io redirected (HTTP %d); the redirect was not followed", status)}, false
	}
	return RevokeResult{RevokeFailed, fmt.Sprintf("unexpected answer from crates.io: HTTP %d", status)}, false
}
