package scan

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/files"
)

// A large regular file is scanned in place and in parallel: in windows of
// windowSize, mapped (not read) one at a time by each of up to GOMAXPROCS
// workers. Each window is scanned from the exact state (line, line start,
// UTF-16 offset) its first byte has in the file, so its places are the
// file's; windows overlap by windowOverlap on each side so that a token
// (plain, escaped, or inside a base64 run) across a boundary is seen whole
// by one of them, and each reports only the tokens that start in its own
// core range: every token exactly once. Memory stays at a window per
// worker whatever the file's size.
var (
	splitMin      int64 = 32 << 20
	windowSize    int64 = 8 << 20
	windowOverlap int64 = 8 << 10 // more than a base64 decoding span's reach back
)

// scanBigFile scans f (size bytes) in windows; add takes each match.
func (e *engine) scanBigFile(f *os.File, size int64, add func(detect.Match)) error {
	n := (size + windowSize - 1) / windowSize
	// states[j] is the state at window j's first byte, once known: each
	// window counts its lines to where the next one starts, first, and
	// hands the state on.
	states := make([]detect.Start, n+1)
	ready := make([]chan struct{}, n+1)
	for j := range ready {
		ready[j] = make(chan struct{})
	}
	states[0] = detect.Local(0)
	close(ready[0])
	winStart := func(j int64) int64 { return max(j*windowSize-windowOverlap, 0) }

	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for range min(int64(runtime.GOMAXPROCS(0)), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w worker
			for {
				j := next.Add(1) - 1
				if j >= n {
					return
				}
				if err := e.scanWindow(&w, f, size, j, winStart, states, ready, add); err != nil {
					fail(err)
					// Later windows wait for this one's state: hand on
					// one, so that they end.
					if states[j+1] == (detect.Start{}) {
						states[j+1] = detect.Local(winStart(j + 1))
					}
					closeOnce(ready[j+1])
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}

// scanWindow scans window j: core range [j*windowSize, (j+1)*windowSize),
// mapped with windowOverlap on each side.
func (e *engine) scanWindow(w *worker, f *os.File, size, j int64, winStart func(int64) int64, states []detect.Start, ready []chan struct{}, add func(detect.Match)) (err error) {
	core0, core1 := j*windowSize, min((j+1)*windowSize, size)
	from, to := winStart(j), min(core1+windowOverlap, size)
	data, release, err := files.Window(f, from, to-from)
	if err != nil {
		return fmt.Errorf("mapping bytes %d to %d: %v", from, to, err)
	}
	defer release()
	// A file that shrinks while it is mapped faults on the lost pages: a
	// panic here, and an error for the report, never a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the file changed while it was read (at bytes %d to %d)", from, to)
		}
	}()
	// The state where the next window starts, from this one's count.
	if j+1 < int64(len(states))-1 {
		delta := detect.Local(from).Advance(data[:winStart(j+1)-from])
		<-ready[j]
		states[j+1] = states[j].Then(delta)
		closeOnce(ready[j+1])
	} else {
		<-ready[j]
	}
	st := states[j]
	own := func(m detect.Match) {
		if m.Offset >= core0 && m.Offset < core1 {
			add(m)
		}
	}
	w.sc.ScanBytes(data, st, own)
	w.dec.ScanBytes(data, st, own)
	return nil
}

// splittable says whether f is scanned in windows: a regular file of
// splitMin bytes or more that is not an archive (opened member by member)
// or a source map (whose sources are named as it streams).
func (e *engine) splittable(f *os.File, kind crawl.Content) (int64, bool) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < splitMin || kind == crawl.SourceMap {
		return 0, false
	}
	head := make([]byte, archive.SniffLen)
	n, _ := f.ReadAt(head, 0)
	if archive.Sniff(head[:n]) != archive.None {
		return 0, false
	}
	return fi.Size(), true
}
