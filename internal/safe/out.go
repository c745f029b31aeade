package safe

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Out guards a stream that a person or the Actions runner reads (stdout,
// stderr). Whatever is written to it is redacted line by line, and a line
// that would start with "::" (after blanks) has that colon escaped, so no
// text can forge a workflow command. Workflow commands cratesguard means to
// issue go through Command; the runner's mask through Mask. Out is safe for
// concurrent use; Flush writes out a last unterminated line.
type Out struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	err error
}

// NewOut guards w. Wrapping an Out again returns it as it is.
func NewOut(w io.Writer) *Out {
	if o, ok := w.(*Out); ok {
		return o
	}
	return &Out{w: w}
}

// Underlying is the guarded writer (to ask whether it is a terminal).
func (o *Out) Underlying() io.Writer { return o.w }

// maxPending bounds what waits for a line end: past it, a line is written
// in pieces (each still guarded).
const maxPending = 64 << 10

func (o *Out) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	// The lines this write completes go out in one write of their own
	// (a report of many lines is one system call, not one a line).
	var out strings.Builder
	for {
		i := bytes.IndexAny(o.buf, "\r\n")
		if i < 0 {
			break
		}
		out.WriteString(o.guard(string(o.buf[:i]), o.buf[i]))
		o.buf = o.buf[i+1:]
	}
	if len(o.buf) > maxPending {
		out.WriteString(o.guard(string(o.buf), 0))
		o.buf = o.buf[:0]
	}
	if out.Len() > 0 {
		o.write(out.String())
	}
	if o.err != nil {
		return 0, o.err
	}
	return len(p), nil
}

// emit writes one line (without its end, which is end, or 0 for none).
func (o *Out) emit(line string, end byte) { o.write(o.guard(line, end)) }

// guard makes one line (without its end, which is end, or 0 for none) safe
// to write.
func (o *Out) guard(line string, end byte) string {
	line = Redact(line)
	if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "::") {
		k := len(line) - len(t)
		line = line[:k] + `\x3a` + line[k+1:]
	}
	if end != 0 {
		line += string(end)
	}
	return line
}

func (o *Out) write(s string) {
	if o.err == nil {
		_, o.err = io.WriteString(o.w, s)
	}
}

// Flush writes out what waits for a line end.
func (o *Out) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf) > 0 {
		o.emit(string(o.buf), 0)
		o.buf = o.buf[:0]
	}
	return o.err
}

// Command issues a workflow command made by Command: it is written as one
// line of its own, redacted but not guarded.
func (o *Out) Command(line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf) > 0 { // finish a pending line first: a command needs a line of its own
		o.emit(string(o.buf), '\n')
		o.buf = o.buf[:0]
	}
	o.write(Redact(strings.NewReplacer("\r", "%0D", "\n", "%0A").Replace(line)) + "\n")
}

// Mask prints ::add-mask::secret, the one place cratesguard writes a full
// token or header value: the runner hides the line and masks the value in
// every later line of the log. Use it only under GitHub Actions.
func (o *Out) Mask(secret string) {
	if strings.ContainsAny(secret, "\r\n") || secret == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf) > 0 {
		o.emit(string(o.buf), '\n')
		o.buf = o.buf[:0]
	}
	o.write("::add-mask::" + secret + "\n")
}
