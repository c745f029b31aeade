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

// blockSize is how much of a window the matcher, the decoder and the line
// count go over together, while it is in the cache.
var blockSize = 256 << 10

// dropEvery is how much of a window is let go at once (each time is a
// system call that the other workers' page faults wait on).
var dropEvery int64 = 2 << 20

// scanBigFile scans f (size bytes) in windows; add takes each match.
func (e *engine) scanBigFile(f *os.File, size int64, add func(detect.Match)) error {
	n := (size + windowSize - 1) / windowSize
	ch := newChain(n, add)
	mp, err := files.Map(f, size)
	if err != nil {
		return fmt.Errorf("mapping the file: %v", err)
	}
	defer mp.Close()
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
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
				delta, err := e.scanWindow(&w, mp, size, j, ch)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					w = worker{} // nothing of a lost mapping is kept
					delta = detect.Local(winStart(j + 1))
				}
				ch.done(j, delta)
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// winStart is where window j's mapping starts: its core range's start,
// less the overlap.
func winStart(j int64) int64 { return max(j*windowSize-windowOverlap, 0) }

// scanWindow scans window j: core range [j*windowSize, (j+1)*windowSize),
// mapped with windowOverlap on each side, block by block. Its lines are
// counted from its own start (detect.Local); it returns the state where
// window j+1 starts, seen from there, for the chain to make absolute.
func (e *engine) scanWindow(w *worker, mp *files.Mapping, size, j int64, ch *chain) (delta detect.Start, err error) {
	core0, core1 := j*windowSize, min((j+1)*windowSize, size)
	from, to := winStart(j), min(core1+windowOverlap, size)
	// A file that shrinks while it is mapped faults on the lost pages: a
	// panic here, and an error for the report, never a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the file changed while it was read (at bytes %d to %d)", from, to)
		}
	}()
	data, release, err := mp.Window(from, to-from)
	if err != nil {
		return delta, fmt.Errorf("reading bytes %d to %d: %v", from, to, err)
	}
	defer release()
	emit := func(m detect.Match) {
		if m.Offset >= core0 && m.Offset < core1 {
			ch.emit(j, m)
		}
	}
	inp := w.sc.InPlace(data, detect.Local(from), &w.dec, emit)
	next := int(winStart(j+1) - from) // where window j+1 starts, in data
	var dropped int64                 // data[:dropped] was let go
	for at := 0; at < len(data); {
		end := min(at+blockSize, len(data))
		if at < next && end > next {
			end = next
		}
		inp.Step(end)
		if st := inp.StateAt(end); end == next {
			delta = st
		}
		// What is decided is let go as the window goes: the process's
		// memory stays at a few MiB a worker, not a window.
		if d := int64(inp.Decided()); d > dropped+dropEvery {
			mp.Drop(from+dropped, d-dropped)
			dropped = d
		}
		at = end
	}
	inp.Finish()
	return delta, nil
}

// chain makes windows' lines absolute: window j's state is known once
// windows 0 to j-1 have counted theirs; until then its matches wait, at
// most maxPending of them (then its worker does).
type chain struct {
	mu      sync.Mutex
	cond    *sync.Cond
	known   int64          // abs[0..known] are known
	abs     []detect.Start // the state at each window's start
	delta   []detect.Start // each window's count, from its own start
	have    []bool
	pending [][]detect.Match
	add     func(detect.Match)
}

const maxPending = 4096

func newChain(n int64, add func(detect.Match)) *chain {
	c := &chain{abs: make([]detect.Start, n), delta: make([]detect.Start, n), have: make([]bool, n),
		pending: make([][]detect.Match, n), add: add}
	c.abs[0] = detect.Local(0)
	c.cond = sync.NewCond(&c.mu)
	return c
}

// fix moves a match of a window counted from its own start to the file's
// lines and columns, a being the window start's state in the file.
func fix(a detect.Start, m *detect.Match) {
	if m.Line == 1 { // on the line the window starts inside
		shift := int(a.Offset - a.LineStart)
		m.Column += shift
		m.Column16 += shift - a.Adj
	}
	m.Line += a.Line - 1
}

func (c *chain) emit(j int64, m detect.Match) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for j > c.known && len(c.pending[j]) >= maxPending {
		c.cond.Wait()
	}
	if j <= c.known {
		fix(c.abs[j], &m)
		c.add(m)
		return
	}
	c.pending[j] = append(c.pending[j], m)
}

func (c *chain) done(j int64, delta detect.Start) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delta[j], c.have[j] = delta, true
	for c.known+1 < int64(len(c.abs)) && c.have[c.known] {
		c.abs[c.known+1] = c.abs[c.known].Then(c.delta[c.known])
		c.known++
		for _, m := range c.pending[c.known] {
			fix(c.abs[c.known], &m)
			c.add(m)
		}
		c.pending[c.known] = nil
	}
	c.cond.Broadcast()
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
