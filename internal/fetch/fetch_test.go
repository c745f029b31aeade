package fetch

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func get(t *testing.T, f *Fetcher, url string) (body string, resp *Response, err error) {
	t.Helper()
	err = f.Get(context.Background(), url, 0, func(r *Response) error {
		b, err := io.ReadAll(r.Body)
		body, resp = string(b), r
		return err
	})
	return
}

func opts() Options {
	return Options{Timeout: 5 * time.Second, MaxBytes: 1 << 20, UserAgent: "cratesguard/test"}
}

func TestHeadersAndUserAgent(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		got.Set("Host", r.Host)
	}))
	defer srv.Close()
	o := opts()
	o.Headers = []Header{{"Authorization", "Bearer x"}, {"Host", "staging.example"}}
	if _, _, err := get(t, New(o), srv.URL); err != nil {
		t.Fatal(err)
	}
	if got.Get("User-Agent") != "cratesguard/test" || got.Get("Authorization") != "Bearer x" ||
		got.Get("Host") != "staging.example" || !strings.Contains(got.Get("Accept-Encoding"), "br") {
		t.Errorf("request headers %v", got)
	}
}

func TestDeflateBothWays(t *testing.T) {
	for name, enc := range map[string]func(io.Writer) io.WriteCloser{
		"zlib": func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) },
		"raw":  func(w io.Writer) io.WriteCloser { z, _ := flate.NewWriter(w, 5); return z },
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "deflate")
			z := enc(w)
			io.WriteString(z, "hello deflate")
			z.Close()
		}))
		body, _, err := get(t, New(opts()), srv.URL)
		srv.Close()
		if err != nil || body != "hello deflate" {
			t.Errorf("%s: body %q err %v", name, body, err)
		}
	}
}

func TestUnsupportedEncoding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "zstd")
		w.Write([]byte{1, 2, 3})
	}))
	defer srv.Close()
	if _, _, err := get(t, New(opts()), srv.URL); err == nil || !strings.Contains(err.Error(), `"zstd"`) {
		t.Errorf("err = %v, want unsupported zstd", err)
	}
}

func TestCapIsReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("a"), 3000))
	}))
	defer srv.Close()
	o := opts()
	o.MaxBytes = 1000
	body, resp, err := get(t, New(o), srv.URL)
	if err != nil || len(body) != 1000 || !resp.Body.Truncated() || resp.Body.Bytes() != 1000 {
		t.Fatalf("len %d truncated %v err %v", len(body), resp.Body.Truncated(), err)
	}
	o.MaxBytes = 3000
	_, resp, _ = get(t, New(o), srv.URL)
	if resp.Body.Truncated() {
		t.Error("a body exactly at the cap is reported truncated")
	}
}

func TestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/a", http.RedirectHandler("/b", http.StatusFound))
	mux.Handle("/b", http.RedirectHandler("/a", http.StatusFound))
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		http.Redirect(w, r, "/hop/"+n+"x", http.StatusFound)
	})
	mux.Handle("/start", http.RedirectHandler("/end", http.StatusMovedPermanently))
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "arrived") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := New(opts())
	if _, _, err := get(t, f, srv.URL+"/a"); err == nil || !strings.Contains(err.Error(), "redirect loop") {
		t.Errorf("loop: %v", err)
	}
	if _, _, err := get(t, f, srv.URL+"/hop/x"); err == nil || !strings.Contains(err.Error(), "after 10 redirects") {
		t.Errorf("endless: %v", err)
	}
	body, resp, err := get(t, f, srv.URL+"/start")
	if err != nil || body != "arrived" || !resp.Redirected || resp.URL != srv.URL+"/end" {
		t.Errorf("followed: %q %+v %v", body, resp, err)
	}
}

// TestRedirectHopsAreSeenAndScoped: every hop's response reaches the
// caller (a token in a 302's body or Set-Cookie must be scanned), headers go
// only where HeadersFor allows at each hop, and a refused redirect ends the
// fetch after its response was seen.
func TestRedirectHopsAreSeenAndScoped(t *testing.T) {
	var otherGot atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherGot.Store(r.Header.Get("X-Staging"))
		io.WriteString(w, "other")
	}))
	defer other.Close()
	var sameGot atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "cookie-value"})
		w.Header().Set("Location", "/next")
		w.WriteHeader(http.StatusFound)
		io.WriteString(w, "redirect body")
	})
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		sameGot.Store(r.Header.Get("X-Staging"))
		http.Redirect(w, r, other.URL+"/x", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	home, _ := url.Parse(srv.URL)
	o := opts()
	o.Headers = []Header{{"X-Staging", "secret"}}
	o.HeadersFor = func(u *url.URL) bool { return u.Host == home.Host }
	var seen []string
	collect := func(r *Response) error {
		b, _ := io.ReadAll(r.Body)
		seen = append(seen, fmt.Sprintf("%d %v %q %q", r.Status, r.Redirect != "", string(b), r.Header.Get("Set-Cookie")))
		return nil
	}
	// Followed everywhere: the other host gets no header.
	if err := New(o).Get(context.Background(), srv.URL+"/start", 0, collect); err != nil {
		t.Fatal(err)
	}
	if sameGot.Load() != "secret" || otherGot.Load() != "" {
		t.Errorf("X-Staging: same origin %q, other origin %q", sameGot.Load(), otherGot.Load())
	}
	if len(seen) != 3 || !strings.Contains(seen[0], `"redirect body" "session=cookie-value"`) || !strings.HasPrefix(seen[2], "200 false") {
		t.Errorf("responses seen: %q", seen)
	}
	// Refused: the fetch ends, after the refused redirect was seen.
	seen = nil
	o.Follow = func(from, to *url.URL) string {
		if to.Host != home.Host {
			return "another origin"
		}
		return ""
	}
	err := New(o).Get(context.Background(), srv.URL+"/start", 0, collect)
	var re *RedirectError
	if !errors.As(err, &re) || !re.OtherHost || len(seen) != 2 || !strings.Contains(err.Error(), "another origin") {
		t.Errorf("refused redirect: %v, %d responses seen", err, len(seen))
	}
}

// TestSpentTimeCountsAgainstTheFirstAttempt: time already spent (waiting
// for a rate slot) shortens the first attempt's timeout.
func TestSpentTimeCountsAgainstTheFirstAttempt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	defer srv.Close()
	o := opts()
	o.Timeout = time.Second
	f := New(o)
	if err := f.Get(context.Background(), srv.URL, 900*time.Millisecond, func(*Response) error { return nil }); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("900ms spent of 1s, a 300ms answer: %v, want a timeout", err)
	}
	if err := f.Get(context.Background(), srv.URL, time.Second, func(*Response) error { return nil }); err == nil || !strings.Contains(err.Error(), "--rate") {
		t.Errorf("all of it spent: %v", err)
	}
}

func TestTimeoutCoversTheBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			select {
			case <-release:
				return
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	o := opts()
	o.Timeout = 300 * time.Millisecond
	_, _, err := get(t, New(o), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Fatalf("trickling body: err %v, want a timeout", err)
	}
}

// TestHTTP2RequestsSpreadOverConnections: with 32 requests in flight to one
// HTTP/2 host, the fetcher uses four connections (eight streams each), so
// decryption and framing are not funnelled through one read loop.
func TestHTTP2RequestsSpreadOverConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		time.Sleep(50 * time.Millisecond)
		io.WriteString(w, "ok")
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	o := opts()
	o.MaxConns = 32
	o.TLS = &tls.Config{RootCAs: pool}
	f := New(o)
	defer f.Close()
	// Sequential requests first, so no two race to dial: each transport
	// in turn opens its connection.
	for range 8 {
		if _, _, err := get(t, f, srv.URL+"/"); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 4 {
		t.Fatalf("eight sequential requests opened %d connections, want 4 (one per transport)", n)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if body, resp, err := get(t, f, srv.URL+"/"); err != nil || resp.Status != 200 || body != "ok" {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 || conns.Load() != 4 {
		t.Fatalf("%d failed; %d connections, want the same 4 multiplexed", failed.Load(), conns.Load())
	}
}
