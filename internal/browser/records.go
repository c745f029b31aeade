package browser

import (
	"context"
	"net/http"
	"sync"
)

// Kind is what a record holds.
type Kind int

// Kinds of record.
const (
	Response       Kind = iota // a response the page caused: headers and body
	WebSocket                  // the text frames of one WebSocket, sent and received, one per line
	Cookies                    // the page's cookies after load, one "name=value" per line
	LocalStorage               // the page's localStorage after load, one "key=value" per line
	SessionStorage             // the same for sessionStorage
	DOM                        // the rendered document, serialized
)

// Record is one thing the page left for the detector.
type Record struct {
	Kind Kind
	// URL is the response's or WebSocket's URL; the page's for the
	// cookies, storage and DOM.
	URL string
	// Type is the resource type as Chromium names it (Document, Script,
	// Fetch, XHR, Stylesheet, Other…), for responses; for the script of a
	// worker the page started, the worker's type (worker, shared_worker,
	// service_worker).
	Type   string
	Status int
	Header http.Header
	MIME   string
	Body   []byte
	// Truncated marks a body cut at MaxBytes.
	Truncated bool
	// Missing says why a response has no body (the browser kept none, or
	// it was larger than MaxBytes, or it is a worker's script, which the
	// browser does not hand over): fetch it some other way. Skip says why
	// it was not wanted (binary).
	Missing, Skip string
}

// Worker types, as Chromium names its targets.
const (
	DedicatedWorker = "worker"
	SharedWorker    = "shared_worker"
	ServiceWorker   = "service_worker"
)

// Blocked is a request the page made and the browser did not send.
type Blocked struct {
	URL, Method, Reason string
	// Type is the resource type (Document for a navigation or a form's
	// submission).
	Type string
}

// Result is what loading a page came to besides its records.
type Result struct {
	// URL is the page's URL once it settled (after redirects and
	// navigation).
	URL string
	// Blocked lists refused requests, up to maxBlocked; BlockedCount
	// counts them all.
	Blocked      []Blocked
	BlockedCount int
	Warnings     []string
	// CutShort says why the page did not end on its own within
	// --browser-timeout (it never settled, or what it left could not be
	// read in time); "" when it did. What it had loaded was handed over
	// all the same.
	CutShort string
}

// queue is an unbounded-looking, bounded queue a listener can put into
// without waiting.
type queue[T any] struct {
	mu      sync.Mutex
	items   []T
	max     int
	dropped int
	ready   chan struct{}
}

func newQueue[T any](max int) *queue[T] {
	return &queue[T]{max: max, ready: make(chan struct{}, 1)}
}

func (q *queue[T]) put(v T) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		q.dropped++
	} else {
		q.items = append(q.items, v)
	}
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue[T]) lost() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

func (q *queue[T]) take() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// drain calls fn for each item put in q, in order, until ctx ends.
func drain[T any](ctx context.Context, q *queue[T], fn func(T)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.ready:
		}
		for _, v := range q.take() {
			fn(v)
		}
	}
}
