package scan

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cratesguard/cratesguard/internal/archive"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/files"
)

// A regular file is scanned in place (detect.InPlace): the matcher, the
// decoder and the line count go over each block of its bytes while it is
// in the cache, with one vector search for both. A small one is read whole
// into a buffer (see scanFile); a larger one is mapped, not
// read, and scanned where its bytes lie in the page cache. Below splitMin
// it is one window, scanned by the worker that took it (other workers take
// other files). From splitMin on, it is scanned in
// parallel: in windows of windowSize, mapped one at a time by each of up
// to GOMAXPROCS workers. Each window is scanned from the exact state
// (line, line start, UTF-16 offset) its first byte has in the file, so its
// places are the file's; windows overlap by windowOverlap on each side so
// that a token (plain, escaped, or inside a base64 run) across a boundary
// is seen whole by one of them, and each reports only the tokens that
// start in its own core range: every token exactly once. Memory stays at
// a few MiB a worker (pages are let go as they are decided) whatever the
// file's size.
var (
	splitMin      int64 = 32 << 20
	windowSize    int64 = 8 << 20
	windowOverlap int64 = 8 << 10 // more than a base64 decoding span's reach back
)

// mapFiles says whether files between readWhole and splitMin are mapped
// (else streamed; a variable for the tests that compare with the stream).
var mapFiles = files.Mapped

// readWhole is the size up to which a file is read whole into a buffer
// rather than mapped (see scanFile): the most each of the engine's
// buffers (two a core) holds.
var readWhole int64 = 512 << 10

// blockSize is how much of a window the matcher, the decoder and the line
// count go over together, while it is in the cache.
var blockSize = 256 << 10

// dropEvery is how much of a window is let go at once (each time is a
// system call that the other workers' page faults wait on).
var dropEvery int64 = 2 << 20

// scanInPlace scans f (size bytes) in place, mapped: as one window by w
// below splitMin, else in windows on every core; add takes each match.
func (e *engine) scanInPlace(w *worker, f *os.File, size int64, add func(detect.Match)) error {
	win := size
	if size >= splitMin {
		win = windowSize
	}
	n := (size + win - 1) / win
	ch := newChain(n, add)
	mp, err := files.Map(f, size)
	if err != nil {
		return fmt.Errorf("mapping the file: %v", err)
	}
	defer mp.Close()
	if n == 1 {
		// One window: the caller's worker scans it.
		if _, err := e.scanWindow(w, mp, size, win, 0, ch); err != nil {
			*w = worker{} // nothing of a lost mapping is kept
			return err
		}
		return nil
	}
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range min(int64(runtime.GOMAXPROCS(0)), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ww worker // this goroutine's
			defer func() {
				mu.Lock()
				w.addNotes(ww.notes)
				mu.Unlock()
			}()
			for {
				j := next.Add(1) - 1
				if j >= n {
					return
				}
				delta, err := e.scanWindow(&ww, mp, size, win, j, ch)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					ww = worker{notes: ww.notes} // nothing of a lost mapping is kept
					delta = detect.Local(winStart(j+1, win))
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
func winStart(j, win int64) int64 { return max(j*win-windowOverlap, 0) }

// scanWindow scans window j: core range [j*win, (j+1)*win), mapped with
// windowOverlap on each side, block by block. Its lines are counted from
// its own start (detect.Local); it returns the state where window j+1
// starts, seen from there, for the chain to make absolute.
func (e *engine) scanWindow(w *worker, mp *files.Mapping, size, win, j int64, ch *chain) (delta detect.Start, err error) {
	core0, core1 := j*win, min((j+1)*win, size)
	from, to := winStart(j, win), min(core1+windowOverlap, size)
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
	next := int(winStart(j+1, win) - from) // where window j+1 starts, in data
	if core1 == size {
		next = -1 // none: the last window
	}
	var dropped int64 // data[:dropped] was let go
	delta = w.scanBlocks(data, from, next, emit, func(d int64) {
		// What is decided is let go as the window goes: the process's
		// memory stays at a few MiB a worker, not a window.
		if d > dropped+dropEvery {
			mp.Drop(from+dropped, d-dropped)
			dropped = d
		}
	})
	return delta, nil
}

// scanBlocks scans data, which starts at offset from, in place, block by
// block, each while it is in the cache; decided hears, after each block,
// how much of data is decided (never read again). It returns the state at
// data[next], for the window that starts there (-1: none). Lines are
// counted as blocks end only from the first pattern found on (before it,
// nothing can be reported): most small files have none, and are never
// counted.
func (w *worker) scanBlocks(data []byte, from int64, next int, emit func(detect.Match), decided func(int64)) (delta detect.Start) {
	inp := w.sc.InPlace(data, detect.Local(from), &w.dec, emit)
	if next >= 0 {
		inp.GoesOn() // a window before the last
	}
	for at := 0; at < len(data); {
		end := min(at+blockSize, len(data))
		if at < next && end > next {
			end = next
		}
		inp.Step(end)
		if end == next {
			delta = inp.StateAt(end)
		} else if inp.Seen() {
			inp.StateAt(end)
		}
		if decided != nil {
			decided(int64(inp.Decided()))
		}
		at = end
	}
	inp.Finish()
	w.addNotes(w.dec.Notes())
	return delta
}

// maxFileNotes bounds the decoder's notes kept for a file.
const maxFileNotes = 8

// addNotes keeps the decoder's notes for the file being scanned.
func (w *worker) addNotes(notes []string) {
	for _, n := range notes {
		if len(w.notes) < maxFileNotes && !slices.Contains(w.notes, n) {
			w.notes = append(w.notes, n)
		}
	}
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

// scanFile scans f in place where it can: a regular file, not empty,
// that is not an archive (opened member by member) or a source map (whose
// sources are named as it streams). Up to readWhole bytes it is read
// whole into one of the engine's buffers and scanned there (for a small
// file a read costs less than a mapping's set-up and tear-down, whose
// unmapping interrupts the other cores); beyond, mapped (see scanInPlace)
// where files are mapped, and from splitMin on everywhere (in windows,
// read one at a time where files are not mapped). It returns false, f
// read from its start again, for a file to stream; else its size, and an
// error if it could not be read to its end (what was read is scanned).
func (e *engine) scanFile(w *worker, f *os.File, kind crawl.Content, add func(detect.Match)) (bool, int64, error) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || kind == crawl.SourceMap ||
		fi.Size() > readWhole && fi.Size() < splitMin && !mapFiles {
		return false, 0, nil
	}
	size := fi.Size()
	if size > readWhole {
		head := make([]byte, archive.SniffLen)
		n, _ := f.ReadAt(head, 0)
		if opens(head[:n], f, size) {
			return false, 0, nil
		}
		return true, size, e.scanInPlace(w, f, size, add)
	}
	var buf []byte
	select {
	case buf = <-e.readBufs:
		defer func() { e.readBufs <- buf }()
	default:
		// Every buffer in use (more workers than cores, reads waiting on
		// a disk): streamed instead, in the worker's own few KiB.
		return false, 0, nil
	}
	archived, err := e.scanRead(w, &buf, f, size, add)
	if archived {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return true, size, fmt.Errorf("reading the archive again from its start: %v", err)
		}
		return false, 0, nil
	}
	return true, size, err
}

// scanRead reads f (size bytes) whole into *buf (grown to fit) and scans
// it there in place, unless it is an archive (it says so, having scanned
// nothing). A file that ends before size bytes changed since its size was
// taken: an error, after what was read is scanned.
func (e *engine) scanRead(w *worker, buf *[]byte, f *os.File, size int64, add func(detect.Match)) (archived bool, err error) {
	if int64(cap(*buf)) < size {
		*buf = make([]byte, size)
	}
	n, err := io.ReadFull(f, (*buf)[:size])
	data := (*buf)[:n]
	if opens(data[:min(n, archive.SniffLen)], bytes.NewReader(data), int64(n)) {
		return true, nil
	}
	w.scanBlocks(data, 0, -1, add, nil)
	switch {
	case err == io.ErrUnexpectedEOF:
		return false, fmt.Errorf("the file changed while it was read (it ended at byte %d of %d)", n, size)
	case err != nil:
		return false, fmt.Errorf("read failed after %d bytes: %v", n, err)
	}
	return false, nil
}
