package browser

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync"
	"time"
)

// fence is the proxy every connection of the browser goes through. It
// admits a plain-http request when allow admits its URL, and a tunnel
// (https, WebSockets) when allow admits the host:port over https or http.
// It is the floor under the request hook: whatever the hook does not see
// (WebSockets, prefetches) cannot leave the scope either, and nothing but
// GET and HEAD leaves over plain http (a tunnel's method it cannot see).
type fence struct {
	ln    net.Listener
	srv   *http.Server
	allow func(u, from *url.URL) string
	rp    *httputil.ReverseProxy

	mu      sync.Mutex
	refused map[string]bool
	count   int
	tunnels map[net.Conn]bool // open tunnels' ends, closed with the fence
	// dial connects upstream: the request policy's dialer, which refuses
	// an address a name resolves to that the rules do not allow.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// maxRefusedListed bounds the refused host:ports remembered by name.
const maxRefusedListed = 100

func startFence(allow func(u, from *url.URL) string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*fence, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	quiet := log.New(io.Discard, "", 0) // errors name hostile hosts: never logged
	if dial == nil {
		dial = (&net.Dialer{Timeout: 15 * time.Second}).DialContext
	}
	f := &fence{ln: ln, allow: allow, dial: dial, refused: map[string]bool{}, tunnels: map[net.Conn]bool{}}
	f.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {},
		Transport: &http.Transport{
			Proxy: nil, DialContext: dial, DisableCompression: true,
			ResponseHeaderTimeout: time.Minute, MaxIdleConnsPerHost: 8,
		},
		ErrorLog: quiet,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	f.srv = &http.Server{Handler: f, ErrorLog: quiet, ReadHeaderTimeout: 30 * time.Second}
	go f.srv.Serve(ln)
	return f, nil
}

func (f *fence) addr() string { return f.ln.Addr().String() }

func (f *fence) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if f.srv.Shutdown(ctx) != nil {
		f.srv.Close()
	}
	f.mu.Lock()
	for c := range f.tunnels {
		c.Close()
	}
	f.mu.Unlock()
}

// track remembers an open tunnel end until it closes.
func (f *fence) track(c net.Conn, open bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if open {
		f.tunnels[c] = true
	} else {
		delete(f.tunnels, c)
	}
}

func (f *fence) refuse(w http.ResponseWriter, hostport string) {
	f.mu.Lock()
	if !chromeOwn(hostport) {
		f.count++
		if len(f.refused) < maxRefusedListed {
			f.refused[hostport] = true
		}
	}
	f.mu.Unlock()
	http.Error(w, "refused by cratesguard: out of scope", http.StatusForbidden)
}

func (f *fence) refusals() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := make([]string, 0, len(f.refused))
	for h := range f.refused {
		list = append(list, h)
	}
	sort.Strings(list)
	return list, f.count
}

// hostAllowed admits a host:port a tunnel is asked for.
func (f *fence) hostAllowed(hostport string) bool {
	if _, _, err := net.SplitHostPort(hostport); err != nil {
		return false
	}
	for _, scheme := range []string{"https", "http"} {
		if f.allow(&url.URL{Scheme: scheme, Host: hostport, Path: "/"}, nil) == "" {
			return true
		}
	}
	return false
}

func (f *fence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		f.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() || (r.URL.Scheme != "http" && r.URL.Scheme != "ws") {
		f.refuse(w, r.Host)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Under the request hook, which refuses them first: nothing but
		// GET and HEAD leaves over plain http, whatever made it.
		f.refuse(w, r.Host)
		return
	}
	u := *r.URL
	if u.Scheme == "ws" {
		u.Scheme = "http"
	}
	if f.allow(&u, nil) != "" {
		f.refuse(w, u.Host)
		return
	}
	f.rp.ServeHTTP(w, r)
}

func (f *fence) tunnel(w http.ResponseWriter, r *http.Request) {
	if !f.hostAllowed(r.Host) {
		f.refuse(w, r.Host)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no tunnel", http.StatusInternalServerError)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	up, err := f.dial(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		http.Error(w, "unreachable", http.StatusBadGateway)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		up.Close()
		return
	}
	f.track(conn, true)
	f.track(up, true)
	go func() {
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			up.Write(b)
		}
		io.Copy(up, conn)
		up.Close()
		f.track(up, false)
	}()
	go func() {
		io.Copy(conn, up)
		conn.Close()
		f.track(conn, false)
	}()
}
