package archive

import (
	"io"
	"runtime"
)

// A compressed stream is one stream: it cannot be decoded on two cores,
// but it can be decoded on one while the other scans what came out.
// inflater reads r on its own goroutine, a chunk of aheadChunk at a time,
// up to aheadChunks ahead of its reader.
const (
	aheadChunk  = 256 << 10
	aheadChunks = 4
)

// A zip's members are inflated ahead of the one being read, on other
// cores: scanning an archive is mostly inflating it, and a zip's members,
// unlike a stream, can be inflated apart. Up to ReadAhead members are in
// flight, each inflated up to AheadBytes ahead (the rest when it is read):
// memory is bounded whatever the archive claims. Variables for the tests;
// ReadAhead 0 inflates each member only when it is read (and decodes a
// stream in its reader, see inflater), and -1 (the default) reads two
// ahead a core where there is more than one.
var (
	ReadAhead  = -1
	AheadBytes = 2 << 20
)

func readAhead() int {
	if ReadAhead >= 0 {
		return ReadAhead
	}
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return 2 * n
	}
	return 0
}

type inflater struct {
	r     io.ReadCloser
	full  chan chunk
	free  chan []byte
	stop  chan struct{}
	ended chan struct{}
	cur   []byte // what is left of the chunk being read
	held  []byte // that chunk's buffer
	err   error
}

type chunk struct {
	b   []byte
	err error
}

func inflateOn(r io.ReadCloser) *inflater {
	in := &inflater{r: r, full: make(chan chunk, aheadChunks), free: make(chan []byte, aheadChunks),
		stop: make(chan struct{}), ended: make(chan struct{})}
	for range aheadChunks {
		in.free <- nil // allocated when first filled
	}
	go func() {
		defer close(in.ended)
		for {
			var buf []byte
			select {
			case buf = <-in.free:
			case <-in.stop:
				return
			}
			if buf == nil {
				buf = make([]byte, aheadChunk)
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case in.full <- chunk{buf[:n], err}:
			case <-in.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return in
}

func (in *inflater) Read(p []byte) (int, error) {
	for len(in.cur) == 0 {
		if in.err != nil {
			return 0, in.err
		}
		if in.held != nil {
			in.free <- in.held[:cap(in.held)]
			in.held = nil
		}
		c := <-in.full
		in.cur, in.held, in.err = c.b, c.b, c.err
	}
	n := copy(p, in.cur)
	in.cur = in.cur[n:]
	return n, nil
}

// Close stops the decoding and waits for it to end (within a chunk), then
// closes the stream under it: it is not read once Close returns.
func (in *inflater) Close() error {
	select {
	case <-in.stop:
		return nil
	default:
		close(in.stop)
	}
	<-in.ended
	return in.r.Close()
}
