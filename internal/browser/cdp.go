package browser

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"
)

// conn is the DevTools connection to one Chromium, over the pipe it was
// started with (--remote-debugging-pipe): JSON messages, each ended by a
// NUL byte, both ways. Every call waits under its caller's context, and
// nothing else: a browser that stops answering costs a call its deadline,
// never the run.
//
// What the browser says is read in messages of at most max bytes; a larger
// one is skipped as it streams by, never held: a call whose reply it was
// fails with errTooLarge, and the session it belonged to is told with a
// *tooLarge event.
type conn struct {
	r    *bufio.Reader
	w    io.Writer
	max  int
	next atomic.Int64
	out  chan []byte // messages for the writer, whole

	mu      sync.Mutex
	waiting map[int64]chan *cdproto.Message
	routes  map[target.SessionID]func(ev any)

	done chan struct{} // closed when the pipe closes
	err  error         // why, once done is closed
}

// errTooLarge is the error of a call whose reply was too large to read.
var errTooLarge = errors.New("the browser's answer was larger than cratesguard reads")

// tooLarge is the event a session gets for a message of its that was too
// large to read.
type tooLarge struct {
	Method string // as far as it could be told: "" when not
	Size   int
}

var jsonOpts = jsonv2.JoinOptions(jsonv2.DefaultOptionsV2(), jsonv2.AllowInvalidUTF8(true))

func newConn(r io.Reader, w io.Writer, max int) *conn {
	c := &conn{
		r: bufio.NewReaderSize(r, 64<<10), w: w, max: max, out: make(chan []byte, 64),
		waiting: map[int64]chan *cdproto.Message{}, routes: map[target.SessionID]func(any){},
		done: make(chan struct{}),
	}
	go c.readAll()
	go c.writeAll()
	return c
}

// route sends the events of session to fn (the browser's own session is
// ""), or stops sending them when fn is nil. fn runs on the goroutine that
// reads the pipe, in the order the browser sent the events: it must not
// wait, and may call route.
func (c *conn) route(session target.SessionID, fn func(ev any)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fn == nil {
		delete(c.routes, session)
	} else {
		c.routes[session] = fn
	}
}

func (c *conn) handler(session target.SessionID) func(any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.routes[session]
}

// writeAll writes the messages calls queue, whole and in order: a call
// that gives up never leaves half a message in the pipe.
func (c *conn) writeAll() {
	for {
		select {
		case <-c.done:
			return
		case b := <-c.out:
			if _, err := c.w.Write(b); err != nil {
				c.fail(fmt.Errorf("writing to the browser: %w", err))
				return
			}
		}
	}
}

// fail ends the connection: every call waiting fails with err.
func (c *conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
		return
	default:
	}
	c.err = err
	close(c.done)
}

func (c *conn) readAll() {
	for {
		msg, skipped, err := c.read()
		if err != nil {
			c.fail(fmt.Errorf("the browser closed its end of the pipe: %w", err))
			return
		}
		if skipped != nil {
			c.skipped(skipped)
			continue
		}
		var m cdproto.Message
		if jsonv2.Unmarshal(msg, &m, jsonOpts) != nil {
			continue
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.waiting[m.ID]
			delete(c.waiting, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- &m // room for one: never waits
			}
			continue
		}
		fn := c.handler(m.SessionID)
		if fn == nil {
			continue
		}
		ev, err := cdproto.UnmarshalMessage(&m, jsonOpts)
		if err != nil {
			continue // an event this cdproto does not know, or garbled
		}
		fn(ev)
	}
}

// skippedMessage is what is kept of a message too large to read: its
// size, its first and its last bytes.
type skippedMessage struct {
	size       int
	head, tail []byte
}

const keepEnds = 256

var (
	idAt      = regexp.MustCompile(`^\{"id":(\d+)`)
	methodAt  = regexp.MustCompile(`"method":"([A-Za-z]+\.[A-Za-z]+)"`)
	sessionAt = regexp.MustCompile(`"sessionId":"([0-9A-Za-z]+)"\}\s*$`)
)

// skipped answers what a message too large to read was: a reply fails its
// call, an event is reported to its session.
func (c *conn) skipped(s *skippedMessage) {
	if m := idAt.FindSubmatch(s.head); m != nil {
		id, _ := strconv.ParseInt(string(m[1]), 10, 64)
		c.mu.Lock()
		ch := c.waiting[id]
		delete(c.waiting, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- &cdproto.Message{ID: id, Error: &cdproto.Error{Message: errTooLarge.Error()}}
		}
		return
	}
	var session target.SessionID
	if m := sessionAt.FindSubmatch(s.tail); m != nil {
		session = target.SessionID(m[1])
	}
	ev := &tooLarge{Size: s.size}
	if m := methodAt.FindSubmatch(s.head); m != nil {
		ev.Method = string(m[1])
	}
	if fn := c.handler(session); fn != nil {
		fn(ev)
	}
}

// read returns the next message, without its NUL; or, for one larger than
// c.max, what is kept of it.
func (c *conn) read() ([]byte, *skippedMessage, error) {
	var msg []byte
	var s *skippedMessage
	for {
		chunk, err := c.r.ReadSlice(0)
		if err != nil && err != bufio.ErrBufferFull {
			return nil, nil, err
		}
		switch {
		case s == nil && len(msg)+len(chunk) <= c.max:
			msg = append(msg, chunk...)
		case s == nil:
			head := append(msg, chunk...)
			s = &skippedMessage{head: bytes.Clone(head[:min(keepEnds, len(head))])}
			s.size, msg = len(msg), nil
			fallthrough
		default:
			s.size += len(chunk)
			s.tail = append(s.tail, chunk[max(0, len(chunk)-keepEnds):]...)
			s.tail = s.tail[max(0, len(s.tail)-keepEnds):]
		}
		if err == nil {
			break
		}
	}
	if s != nil {
		s.tail = bytes.TrimSuffix(s.tail, []byte{0})
		return nil, s, nil
	}
	return msg[:len(msg)-1], nil, nil
}

// call sends method with params to session and decodes the reply into res
// (nil: ignored). It waits for the reply, the end of ctx, or the end of the
// connection, whichever comes first.
func (c *conn) call(ctx context.Context, session target.SessionID, method string, params, res any) error {
	wait, err := c.send(ctx, session, method, params)
	if err != nil {
		return err
	}
	return wait(ctx, res)
}

// send queues a command, after every command queued before it, and
// returns the func that waits for its reply: for commands that must reach
// the browser in order, though one's reply comes only after the next one
// is handled (a service worker enables its network only once it runs).
func (c *conn) send(ctx context.Context, session target.SessionID, method string, params any) (func(ctx context.Context, res any) error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := c.next.Add(1)
	m := &cdproto.Message{ID: id, SessionID: session, Method: cdproto.MethodType(method)}
	if params != nil {
		b, err := jsonv2.Marshal(params, jsonOpts)
		if err != nil {
			return nil, err
		}
		m.Params = b
	}
	b, err := jsonv2.Marshal(m, jsonOpts)
	if err != nil {
		return nil, err
	}
	ch := make(chan *cdproto.Message, 1)
	c.mu.Lock()
	c.waiting[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}
	select {
	case c.out <- append(b, 0):
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	case <-c.done:
		forget()
		return nil, c.err
	}
	return func(ctx context.Context, res any) error {
		defer forget()
		select {
		case r := <-ch:
			if r.Error != nil {
				return fmt.Errorf("%s: %s", method, r.Error.Message)
			}
			if res == nil || len(r.Result) == 0 {
				return nil
			}
			return jsonv2.Unmarshal(r.Result, res, jsonOpts)
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return c.err
		}
	}, nil
}

// session is one target's session on a connection ("" is the browser's).
type session struct {
	c  *conn
	id target.SessionID
}

// call runs cmd on the session s.
func call[P, R any](ctx context.Context, s session, cmd cdp.Command[P, R], params P) (R, error) {
	var res R
	err := s.c.call(ctx, s.id, cmd.Method, params, &res)
	return res, err
}

// send queues cmd on the session s, and returns the func that waits for
// its reply (see conn.send).
func send[P, R any](ctx context.Context, s session, cmd cdp.Command[P, R], params P) func(context.Context) error {
	wait, err := s.c.send(ctx, s.id, cmd.Method, params)
	if err != nil {
		return func(context.Context) error { return err }
	}
	return func(ctx context.Context) error {
		var res R
		return wait(ctx, &res)
	}
}
