package archive

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"
)

// A decoder's window (xz's dictionary, zstd's window, bzip2's block) is
// memory it holds while it decodes, and a stream says how large in its
// header: a hostile one says 4 GiB. Windows are bounded one by one
// (MaxWindow: larger is not opened) and together, across every archive a
// process has open (the Budget), so that peak memory stays bounded
// whatever archives claim and however many are scanned at once.
const (
	// MaxWindow is the largest window a stream may ask for: xz -9's
	// dictionary, zstd's --long=26.
	MaxWindow = 64 << 20
	// nestedRoom is what a session takes beyond its first window, for the
	// streams nested in that one (a .deb's data.tar.xz, a .zip's member).
	nestedRoom = 16 << 20
)

// Budget is memory for decoders' windows, shared by sessions.
type Budget struct {
	sem   *semaphore.Weighted
	total int64
}

// NewBudget returns a budget of n bytes (at least MaxWindow).
func NewBudget(n int64) *Budget {
	n = max(n, MaxWindow)
	return &Budget{sem: semaphore.NewWeighted(n), total: n}
}

// DefaultBudget is the process's budget: one xz -9 stream and its nested
// streams, or several smaller ones at once.
var DefaultBudget = NewBudget(MaxWindow + nestedRoom)

// Session is the opening of one archive and of the archives inside it, in
// one goroutine. The first stream of a session that needs a window takes,
// waiting if it must, that window and room for nested streams from the
// budget; streams nested in it draw from what the session holds, and one
// that does not fit is not opened. A session never waits while it holds
// memory, so sessions cannot wait on each other; what a session is told
// depends only on its own archive. Close gives back what it holds.
type Session struct {
	ctx        context.Context
	budget     *Budget
	held, used int64
}

// NewSession starts a session drawing on b (DefaultBudget if nil); ctx
// ends a wait for memory.
func NewSession(ctx context.Context, b *Budget) *Session {
	if b == nil {
		b = DefaultBudget
	}
	return &Session{ctx: ctx, budget: b}
}

// take reserves n bytes of window for a stream of kind k, and returns the
// function that gives them back.
func (s *Session) take(k Kind, n int64) (func(), error) {
	if n <= 0 {
		return func() {}, nil
	}
	if n > MaxWindow {
		return nil, notOpened(k, "its header asks for a %s window, more than the %s cratesguard allows a stream", mib(n), mib(MaxWindow))
	}
	if s.held == 0 {
		want := min(n+nestedRoom, s.budget.total)
		if err := s.budget.sem.Acquire(s.ctx, want); err != nil {
			return nil, notOpened(k, "interrupted while waiting for memory to decode it")
		}
		s.held = want
	}
	if s.used+n > s.held {
		return nil, notOpened(k, "its %s window does not fit in the %s left to streams nested in archives", mib(n), mib(s.held-s.used))
	}
	s.used += n
	done := false
	return func() {
		if done || s.held == 0 { // given back by Close already
			return
		}
		done = true
		s.used -= n
		if s.used == 0 {
			s.budget.sem.Release(s.held)
			s.held = 0
		}
	}, nil
}

// Close gives back whatever the session still holds (its readers not all
// closed: an archive left early).
func (s *Session) Close() {
	if s.held > 0 {
		s.budget.sem.Release(s.held)
		s.held, s.used = 0, 0
	}
}

func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1023)>>10)
}
