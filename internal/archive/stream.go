package archive

import (
	"bufio"
	"errors"
	"io"
)

// codec decodes one compression format, a file each (gzip.go, xz.go…).
type codec struct {
	// headLen is how many leading bytes window reads (at most).
	headLen int
	// window is the memory the decoder will hold for the stream whose
	// first bytes are head; an error says the header is not one.
	window func(head []byte) (int64, error)
	// reader decodes r, its window bounded to window bytes.
	reader func(r io.Reader, window int64) (io.ReadCloser, error)
	// overWindow says whether an error from the reader is the stream
	// asking, past its first header, for more than its window.
	overWindow func(err error) bool
}

// fixedWindow is the window of a format whose decoder holds the same
// memory whatever the stream says.
func fixedWindow(n int64) func([]byte) (int64, error) {
	return func([]byte) (int64, error) { return n, nil }
}

// decode opens the stream of kind k in r: its window taken from the
// session, decoded on a goroutine of its own ahead of the reader where
// there are cores to spare. release gives the window back.
func (s *Session) decode(k Kind, r io.Reader) (rc io.ReadCloser, release func(), err error) {
	c := formats[k].codec
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < c.headLen {
		br = bufio.NewReaderSize(r, max(4096, c.headLen))
	}
	head, _ := br.Peek(c.headLen)
	w, err := c.window(head)
	if err != nil {
		return nil, nil, notOpened(k, "%v", err)
	}
	if release, err = s.take(k, w); err != nil {
		return nil, nil, err
	}
	dec, err := c.reader(br, w)
	if err != nil {
		release()
		return nil, nil, notOpened(k, "%v", err)
	}
	rc = &decoded{k: k, c: c, rc: dec}
	if readAhead() > 0 {
		rc = inflateOn(rc)
	}
	return rc, release, nil
}

// decoded names what its decoder fails with: a window asked for past the
// first header is a stream not opened, anything else a stream cut short.
type decoded struct {
	k  Kind
	c  *codec
	rc io.ReadCloser
}

func (d *decoded) Read(p []byte) (int, error) {
	n, err := d.rc.Read(p)
	if err != nil && err != io.EOF {
		if d.c.overWindow != nil && d.c.overWindow(err) {
			return n, notOpened(d.k, "a later part of the stream asks for a larger window than its first (%v)", err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, &corruptError{d.k, "it ends before its end: the stream is cut short"}
		}
		return n, &corruptError{d.k, err.Error()}
	}
	return n, err
}

func (d *decoded) Close() error { return d.rc.Close() }

// corruptError is a stream that could not be decoded to its end.
type corruptError struct {
	k      Kind
	reason string
}

func (e *corruptError) Error() string {
	return "the " + e.k.String() + " stream is corrupt: " + e.reason
}

// nopCloser is a decoder with nothing to let go of.
type nopCloser struct{ io.Reader }

func (nopCloser) Close() error { return nil }
