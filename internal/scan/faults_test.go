package scan

// Fault injection: every way a server misbehaves ends the target in its
// expected state, in bounded time, leaking no goroutine and no file.

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(ents)
}

// settle waits for goroutines and descriptors to return to their counts.
func settle(t *testing.T, goroutines, fds int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), openFDs(t)
		if g <= goroutines && f <= fds {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("leak: %d goroutines (was %d), %d descriptors (was %d)\n%s", g, goroutines, f, fds, buf[:n])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func scanURL(t *testing.T, rawURL string, mod func(*config.Config), transport ...http.RoundTripper) *findings.Report {
	t.Helper()
	cfg := config.Defaults()
	cfg.Timeout = 2 * time.Second
	cfg.Retries = 1
	tg, err := target.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Targets = []target.Target{tg}
	if mod != nil {
		mod(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := Options{Backoff: 10 * time.Millisecond}
	if len(transport) > 0 {
		opts.Transport = transport[0]
	}
	rep := Run(ctx, cfg, opts)
	if ctx.Err() != nil {
		t.Fatal("the scan did not end in bounded time")
	}
	return rep
}

func startTarget(t *testing.T, rep *findings.Report) findings.Target {
	t.Helper()
	for _, tg := range rep.Targets {
		if tg.Start {
			return tg
		}
	}
	t.Fatal("no start target in the report")
	return findings.Target{}
}

func TestFaults(t *testing.T) {
	tok := tokentest.New(50).API()
	oneMiBZeros := func() []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(make([]byte, 1<<20))
		zw.Close()
		return b.Bytes()
	}()
	var flaky, limited atomic.Int32
	cases := []struct {
		name    string
		handler http.HandlerFunc
		mod     func(*config.Config)
		state   findings.State
		reason  string // in Reason, or in a warning for scanned targets
		found   bool   // the planted token is reported
	}{
		{"connection reset mid-body", func(w http.ResponseWriter, r *http.Request) {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nt='%s';", tok)
			buf.Flush()
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}, nil, findings.Failed, "body read failed", true},
		{"server that never answers", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, func(c *config.Config) { c.Timeout = 300 * time.Millisecond }, findings.Failed, "timed out after 300ms", false},
		{"server that trickles one byte a second", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; ; i++ {
				if _, err := w.Write([]byte{'a'}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}, func(c *config.Config) { c.Timeout = 1500 * time.Millisecond; c.Retries = 0 }, findings.Failed, "timed out", false},
		{"503 then success", func(w http.ResponseWriter, r *http.Request) {
			if flaky.Add(1) == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, "t='%s'", tok)
		}, nil, findings.Scanned, "", true},
		{"429 with Retry-After", func(w http.ResponseWriter, r *http.Request) {
			if limited.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			fmt.Fprintf(w, "t='%s'", tok)
		}, nil, findings.Scanned, "", true},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/a" {
				http.Redirect(w, r, "/b", http.StatusFound)
			} else {
				http.Redirect(w, r, "/a", http.StatusFound)
			}
		}, nil, findings.Failed, "redirect loop", false},
		{"1 GiB gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			for i := 0; i < 1024; i++ { // 1,024 gzip members of 1 MiB of zeros each
				if _, err := w.Write(oneMiBZeros); err != nil {
					return
				}
			}
		}, nil, findings.Scanned, "larger than --max-bytes", false},
		{"5 GiB endless body with --max-bytes 64MiB", func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("var a=1;\n"), 1<<14)
			for sent := 0; sent < 5<<30; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, func(c *config.Config) { c.MaxBytes = 64 << 20 }, findings.Scanned, "only the first 67108864 bytes", false},
		{"malformed HTML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, "<html><a href=\"/x.html\"<<script src=>><!-- unclosed <a href='\x00'>\xff\xfe %s <table><td><td></html></body><p", tok)
		}, nil, findings.Scanned, "", true},
		{"source map that is not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, "{\"sources\":[\"a.ts\"],\"sourcesContent\":[\"x\\\"]]]]}}}} %s \x00\x01", tok)
		}, nil, findings.Scanned, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g0, f0 := runtime.NumGoroutine(), openFDs(t)
			srv := httptest.NewServer(c.handler)
			path := "/a"
			if strings.Contains(c.name, "source map") {
				path = "/app.js.map"
			}
			rep := scanURL(t, srv.URL+path, c.mod)
			srv.CloseClientConnections()
			srv.Close()
			st := startTarget(t, rep)
			text := st.Reason + " " + strings.Join(st.Warnings, " ")
			if st.State != c.state || !strings.Contains(text, c.reason) {
				t.Errorf("state %s (%s), want %s containing %q", st.State, text, c.state, c.reason)
			}
			found := false
			for _, f := range rep.Findings {
				found = found || f.Token.Reveal() == tok
			}
			if found != c.found {
				t.Errorf("token found: %v, want %v", found, c.found)
			}
			settle(t, g0, f0)
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var calls atomic.Int32
	var first time.Time
	var gap time.Duration
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		gap = time.Since(first)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	rep := scanURL(t, srv.URL+"/", nil)
	st := startTarget(t, rep)
	if st.State != findings.Scanned || st.Attempts != 2 || gap < 900*time.Millisecond {
		t.Fatalf("state %s after %d attempts; retried after %v, want about 1s", st.State, st.Attempts, gap)
	}
}

func TestNoRetryOn404(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	rep := scanURL(t, srv.URL+"/gone", func(c *config.Config) { c.Retries = 3 })
	if st := startTarget(t, rep); st.State != findings.Failed || calls.Load() != 1 {
		t.Fatalf("state %s after %d requests, want failed after 1", st.State, calls.Load())
	}
}

func TestRedirectToAnotherHost(t *testing.T) {
	tok := tokentest.New(51).API()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "t='%s'", tok)
	}))
	defer other.Close()
	// The same server under another host name: localhost instead of 127.0.0.1.
	elsewhere := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<a href="/out">out</a>`)
		default:
			http.Redirect(w, r, elsewhere+"/x", http.StatusFound)
		}
	}))
	defer srv.Close()

	rep := scanURL(t, srv.URL+"/", nil)
	var out findings.Target
	for _, tg := range rep.Targets {
		if strings.HasSuffix(tg.Target, "/out") {
			out = tg
		}
	}
	if out.State != findings.Skipped || !strings.Contains(out.Reason, "not a start origin") || len(rep.Findings) != 0 {
		t.Errorf("discovered URL redirecting away: %s %q, %d findings", out.State, out.Reason, len(rep.Findings))
	}
	rep = scanURL(t, srv.URL+"/start", nil)
	if st := startTarget(t, rep); st.State != findings.Failed || !strings.Contains(st.Reason, "--allow-host localhost:") {
		t.Errorf("start URL redirecting away: %s %q", st.State, st.Reason)
	}
	// --allow-host localhost means its default ports, not this one.
	rep = scanURL(t, srv.URL+"/start", func(c *config.Config) { c.AllowHosts = []string{"localhost"} })
	if st := startTarget(t, rep); st.State != findings.Failed || len(rep.Findings) != 0 {
		t.Errorf("with --allow-host localhost: %s %q, %d findings", st.State, st.Reason, len(rep.Findings))
	}
	hostPort := strings.TrimPrefix(elsewhere, "http://")
	rep = scanURL(t, srv.URL+"/start", func(c *config.Config) { c.AllowHosts = []string{hostPort} })
	if st := startTarget(t, rep); st.State != findings.Scanned || len(rep.Findings) != 1 {
		t.Errorf("with --allow-host %s: %s %q, %d findings", hostPort, st.State, st.Reason, len(rep.Findings))
	}
}
