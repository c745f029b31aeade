//go:build !unix

package browsertest

import "sync"

// slots stand in for the file locks where there is no flock: they bound
// the browsers of one test process only.
var slots struct {
	once sync.Once
	ch   chan struct{}
}

func take(names []string, _ int) (func(), error) {
	slots.once.Do(func() { slots.ch = make(chan struct{}, len(names)) })
	slots.ch <- struct{}{}
	return func() { <-slots.ch }, nil
}
