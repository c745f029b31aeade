package browser

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Chromium runs in a process group of its own and goes with cratesguard
// however cratesguard ends:
//
//   - a run's end, a timeout, an interrupt: Close asks it to quit, kills the
//     group, kills what still uses its profile, and removes the profile;
//   - a second interrupt, which exits at once: KillAll does the same, first;
//   - a panic or SIGKILL: no code of ours runs, so on Linux the kernel kills
//     Chromium (Pdeathsig), whose helpers follow it; the profile stays, and
//     the next run removes it (sweep).
const (
	profilePrefix = "cratesguard-browser-"
	ownerFile     = "cratesguard-owner" // the pid of the run a profile belongs to
	startTimeout  = 30 * time.Second
	quitTimeout   = 3 * time.Second // for Chromium to quit when asked
	killTimeout   = 2 * time.Second // for it to go when killed, and its profile with it
)

// process is one running Chromium.
type process struct {
	cmd    *exec.Cmd
	dir    string        // its profile's directory, removed by stop
	exited chan struct{} // closed once it exited
	conn   *conn
	pipes  []*os.File // our ends
	output *tailBuffer
	copied chan struct{} // closed once its output is all copied
	once   sync.Once
}

// live are the browsers running, for KillAll.
var live struct {
	sync.Mutex
	procs map[*process]bool
}

// KillAll stops every browser this process runs at once and removes their
// profiles: for a program about to exit without running its deferred calls
// (a second interrupt).
func KillAll() {
	live.Lock()
	procs := make([]*process, 0, len(live.procs))
	for p := range live.procs {
		procs = append(procs, p)
	}
	live.Unlock()
	for _, p := range procs {
		p.kill()
	}
}

// launch starts Chromium with its profile in a new temporary directory,
// every connection through proxy, and the DevTools pipe as its only
// control. It returns once the browser answers.
func launch(ctx context.Context, opts Options, proxy string) (*process, error) {
	sweep()
	dir, err := os.MkdirTemp("", profilePrefix)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p := &process{dir: dir, exited: make(chan struct{}), copied: make(chan struct{}), output: &tailBuffer{max: 8 << 10}}
	if err := p.start(opts, proxy); err != nil {
		p.closePipes()
		os.RemoveAll(dir)
		return nil, err
	}
	live.Lock()
	if live.procs == nil {
		live.procs = map[*process]bool{}
	}
	live.procs[p] = true
	live.Unlock()

	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := p.conn.call(sctx, "", "Browser.getVersion", nil, nil); err != nil {
		p.stop()
		select {
		case <-p.copied: // its last words, if it had time for any
		case <-time.After(killTimeout):
		}
		if out := strings.TrimSpace(p.output.String()); out != "" {
			return nil, fmt.Errorf("%w; it said: %s", err, out)
		}
		return nil, err
	}
	return p, nil
}

// args are Chromium's switches: headless, quiet (no first-run, sync,
// updates, reporting), every connection through the proxy, loopback
// included (Chromium bypasses proxies for loopback unless told not to),
// and the DevTools pipe.
func args(dir, proxy string) []string {
	a := []string{
		"--headless", "--remote-debugging-pipe", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--proxy-server=http://" + proxy, "--proxy-bypass-list=<-loopback>",
		"--webrtc-ip-handling-policy=disable_non_proxied_udp", "--force-webrtc-ip-handling-policy",
		"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
		"--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
		"--disable-breakpad", "--disable-client-side-phishing-detection", "--disable-component-update",
		"--disable-default-apps", "--disable-dev-shm-usage", "--disable-domain-reliability",
		"--disable-extensions", "--disable-hang-monitor", "--disable-ipc-flooding-protection",
		"--disable-prompt-on-repost", "--disable-renderer-backgrounding", "--disable-sync", "--disable-gpu",
		"--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
		"--metrics-recording-only", "--safebrowsing-disable-auto-update", "--password-store=basic",
		"--use-mock-keychain", "--no-pings", "--mute-audio", "--enable-automation",
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root, as in a container
		// action; the fence and the request hook still apply.
		a = append(a, "--no-sandbox")
	}
	return append(a, "about:blank")
}

// start runs the process, from a goroutine locked to its thread for the
// process's life: Linux's Pdeathsig fires when the thread that started a
// process ends, not when its process does (go.dev/issue/27505).
func (p *process) start(opts Options, proxy string) error {
	cmdR, ourW, err := os.Pipe() // commands, to Chromium
	if err != nil {
		return err
	}
	ourR, repW, err := os.Pipe() // replies and events, from it
	if err != nil {
		cmdR.Close()
		ourW.Close()
		return err
	}
	outR, outW, err := os.Pipe() // what it prints
	if err != nil {
		for _, f := range []*os.File{cmdR, ourW, ourR, repW} {
			f.Close()
		}
		return err
	}
	p.pipes = []*os.File{ourW, ourR, outR}
	child := []*os.File{cmdR, repW, outW}
	defer func() {
		for _, f := range child { // Chromium has its own copies once started
			f.Close()
		}
	}()
	cmd := exec.Command(opts.Path, args(p.dir, proxy)...)
	cmd.Env = append(os.Environ(), "HOME="+p.dir, "XDG_CONFIG_HOME="+p.dir, "XDG_CACHE_HOME="+p.dir)
	cmd.Stdout, cmd.Stderr = outW, outW
	cmd.SysProcAttr = sysProcAttr()
	if err := givePipes(cmd, cmdR, repW, []*os.File{ourW, ourR, outR}); err != nil {
		return err
	}
	p.cmd = cmd
	var forward io.Writer = p.output
	if opts.Stderr != nil {
		forward = io.MultiWriter(p.output, opts.Stderr)
	}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("%s did not start: %w", opts.Path, err)
	}
	go func() {
		io.Copy(forward, outR) // until every process of it closed the pipe, or stop closed ours
		close(p.copied)
	}()
	// The largest message read: a body of MaxBytes, escaped, and more.
	p.conn = newConn(ourR, ourW, int(max(min(2*opts.MaxBytes+1<<20, 1<<30), 4<<20)))
	return nil
}

// stop asks Chromium to quit, then kills whatever is left of it, and
// removes its profile. It takes at most quitTimeout + 2 * killTimeout.
func (p *process) stop() {
	p.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), quitTimeout)
		defer cancel()
		if p.conn.call(ctx, "", "Browser.close", nil, nil) == nil {
			select {
			case <-p.exited:
			case <-ctx.Done():
			}
		}
		p.end()
	})
}

// kill is stop without asking.
func (p *process) kill() { p.once.Do(p.end) }

func (p *process) end() {
	killGroup(p.cmd.Process)
	select {
	case <-p.exited:
	case <-time.After(killTimeout):
	}
	killUsing(p.dir, killTimeout) // helpers that left the group
	p.closePipes()
	removeAll(p.dir, killTimeout)
	live.Lock()
	delete(live.procs, p)
	live.Unlock()
}

func (p *process) closePipes() {
	for _, f := range p.pipes {
		f.Close()
	}
}

// removeAll removes dir, trying again for up to limit: a helper of
// Chromium's that has not quite gone can still write into it.
func removeAll(dir string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for os.RemoveAll(dir) != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// sweep removes the profiles of earlier runs that ended without removing
// them (killed): directories named profilePrefix* in the temporary
// directory, of this user, whose run is gone and that no process uses.
// A profile without an owner is left alone for an hour (its run may be
// writing it).
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), profilePrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() || !ownedByUs(fi) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			if time.Since(fi.ModTime()) < time.Hour {
				continue
			}
		} else if pid, err := strconv.Atoi(string(b)); err != nil || running(pid) {
			continue
		}
		if inUse(dir) {
			continue
		}
		os.RemoveAll(dir)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = bytes.Clone(t.b[len(t.b)-t.max:])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
