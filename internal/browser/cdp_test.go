package browser

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
)

// fakeBrowser is the other end of a conn: it reads commands and writes
// what the test tells it to.
type fakeBrowser struct {
	cmds *bufio.Reader
	out  *io.PipeWriter
}

func newFake(t *testing.T, max int) (*conn, *fakeBrowser) {
	cr, cw := io.Pipe() // commands
	rr, rw := io.Pipe() // replies and events
	c := newConn(rr, cw, max)
	t.Cleanup(func() { rw.Close(); cr.Close() })
	return c, &fakeBrowser{cmds: bufio.NewReader(cr), out: rw}
}

// next reads the next command's id.
func (f *fakeBrowser) next(t *testing.T) int64 {
	b, err := f.cmds.ReadBytes(0)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	fmt.Sscanf(string(b), `{"id":%d`, &id)
	return id
}

// write writes a message of n bytes or more: head, n-len(head)-len(tail)
// bytes of padding inside a string, tail.
func (f *fakeBrowser) write(head, tail string, n int) {
	f.out.Write([]byte(head))
	for left := n - len(head) - len(tail); left > 0; left -= len(pad) {
		f.out.Write(pad[:min(left, len(pad))])
	}
	f.out.Write([]byte(tail + "\x00"))
}

var pad = []byte(strings.Repeat("x", 64<<10))

// TestConnSkipsWhatIsTooLarge: a reply larger than the bound fails its
// call, an event larger than it is reported to its session as tooLarge,
// and neither is held: skipping a 64 MiB message allocates no more than
// skipping a 4 MiB one (what reading up to the 1 MiB bound costs), and the
// connection goes on.
func TestConnSkipsWhatIsTooLarge(t *testing.T) {
	c, f := newFake(t, 1<<20)
	events := make(chan any, 4)
	c.route("S1", func(ev any) { events <- ev })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	reply := func(size int) (uint64, error) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		errc := make(chan error, 1)
		go func() {
			_, err := call(ctx, session{c, "S1"}, network.GetResponseBody, network.GetResponseBodyParams{RequestID: "r"})
			errc <- err
		}()
		id := f.next(t)
		f.write(fmt.Sprintf(`{"id":%d,"result":{"body":"`, id), `"},"sessionId":"S1"}`, size)
		err := <-errc
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	small, err := reply(4 << 20)
	if err == nil || !strings.Contains(err.Error(), errTooLarge.Error()) {
		t.Errorf("a 4 MiB reply: %v", err)
	}
	large, err := reply(64 << 20)
	if err == nil || !strings.Contains(err.Error(), errTooLarge.Error()) {
		t.Errorf("a 64 MiB reply: %v", err)
	}
	t.Logf("skipping a reply allocated %d KiB at 4 MiB, %d KiB at 64 MiB", small>>10, large>>10)
	if large > 2*small+1<<20 {
		t.Errorf("skipping a 64 MiB reply allocated %d KiB, a 4 MiB one %d KiB: the skipped part is held", large>>10, small>>10)
	}

	f.write(`{"method":"Network.webSocketFrameReceived","params":{"response":{"payloadData":"`, `"}},"sessionId":"S1"}`, 64<<20)
	select {
	case ev := <-events:
		if tl, ok := ev.(*tooLarge); !ok || tl.Method != "Network.webSocketFrameReceived" || tl.Size < 64<<20 {
			t.Errorf("a 64 MiB event came as %#v", ev)
		}
	case <-ctx.Done():
		t.Fatal("a 64 MiB event was not reported")
	}

	// The connection goes on: a small event is delivered whole.
	f.write(`{"method":"Target.detachedFromTarget","params":{"sessionId":"S2"},"sessionId":"S1"}`, "", 0)
	select {
	case ev := <-events:
		if d, ok := ev.(*target.EventDetachedFromTarget); !ok || d.SessionID != "S2" {
			t.Errorf("then %#v", ev)
		}
	case <-ctx.Done():
		t.Fatal("the connection stopped after a message too large")
	}
}

// TestConnCallsEndWithTheirContext: a browser that never answers costs a
// call its deadline, and a closed pipe ends every call waiting.
func TestConnCallsEndWithTheirContext(t *testing.T) {
	c, f := newFake(t, 1<<20)
	go func() {
		for {
			if _, err := f.cmds.ReadBytes(0); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := call(ctx, session{c, ""}, target.GetTargets, target.GetTargetsParams{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unanswered: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := call(context.Background(), session{c, ""}, target.GetTargets, target.GetTargetsParams{})
		errc <- err
	}()
	f.out.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("a call on a closed pipe succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a call on a closed pipe had not ended 30 s later")
	}
	if _, err := call(context.Background(), session{c, ""}, target.GetTargets, target.GetTargetsParams{}); err == nil {
		t.Error("a call after the pipe closed succeeded")
	}
}
