// Package pace spaces requests to one service: crates.io asks crawlers for
// at most one request a second.
package pace

import (
	"context"
	"time"
)

// Pacer spaces requests Interval apart (default 1s). It is not safe for
// concurrent use: its callers serialise their requests anyway.
type Pacer struct {
	Interval time.Duration
	last     time.Time
}

// Wait returns once Interval has passed since the last request (doubled
// for each retry attempt, up to 16 times), and counts the request about to
// be made as the last; or with ctx's error.
func (p *Pacer) Wait(ctx context.Context, attempt int) error {
	interval := p.Interval
	if interval == 0 {
		interval = time.Second
	}
	if wait := time.Until(p.last.Add(interval << min(attempt, 4))); wait > 0 && !p.last.IsZero() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	p.last = time.Now()
	return nil
}
