// Command crawlbench measures cratesguard end to end: it serves a site of N
// URLs on loopback (an index page linking pages, each page loading a ~100 KB
// JavaScript bundle cut from real minified libraries), runs the cratesguard
// binary against it as a subprocess, and reports wall time, CPU time, bytes
// scanned and peak RSS (measured by GNU time). Run it through the
// scripts in bench/, which also run the baselines.
package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cratesguard/cratesguard/internal/benchcorpus"
)

func main() {
	bin := flag.String("bin", "", "cratesguard binary")
	urls := flag.Int("urls", 2000, "URLs the site serves (pages and their scripts)")
	size := flag.Int("size", 100<<10, "bytes per script")
	latency := flag.Duration("latency", 0, "added to every response")
	single := flag.Int64("single", 0, "instead of a site, serve one response of this many bytes")
	h2 := flag.Bool("h2", false, "serve HTTP/2 over TLS")
	passStderr := flag.Bool("stderr", false, "pass cratesguard's stderr through (for GODEBUG=gctrace=1)")
	list := flag.Bool("list", false, "instead of crawling, give cratesguard the N script URLs in a --targets-file")
	flag.Parse()
	extra := flag.Args()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "crawlbench: -bin is required")
		os.Exit(2)
	}
	corpus := loadCorpus()

	mux := http.NewServeMux()
	pages := max(*urls/2, 1)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*latency)
		w.Header().Set("Content-Type", "text/html")
		var b strings.Builder
		b.WriteString("<!doctype html><html><body>")
		for i := 1; i < pages; i++ {
			fmt.Fprintf(&b, `<a href="/p/%d.html">page %d</a>`, i, i)
		}
		b.WriteString(`<script src="/js/0.js"></script></body></html>`)
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/p/{n}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*latency)
		n := strings.TrimSuffix(r.PathValue("n"), ".html")
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><html><body><h1>%s</h1><script src="/js/%s.js"></script></body></html>`, n, n)
	})
	mux.HandleFunc("/js/{n}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*latency)
		n, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".js"))
		off := (n * 7919 * 1024) % max(len(corpus)-*size, 1)
		w.Header().Set("Content-Type", "application/javascript")
		w.Write(corpus[off : off+min(*size, len(corpus))])
	})
	mux.HandleFunc("/big.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		for sent := int64(0); sent < *single; sent += int64(len(corpus)) {
			chunk := corpus[:min(int64(len(corpus)), *single-sent)]
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := httptest.NewUnstartedServer(mux)
	if *h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	defer srv.Close()
	target := srv.URL + "/"
	args := []string{"scan", "--format", "json", "--max-urls", strconv.Itoa(*urls + 10)}
	if *list {
		f, err := os.CreateTemp("", "crawlbench-targets-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "crawlbench:", err)
			os.Exit(1)
		}
		defer os.Remove(f.Name())
		for i := 1; i < *urls; i++ {
			fmt.Fprintf(f, "%s/js/%d.js\n", srv.URL, i)
		}
		f.Close()
		target = srv.URL + "/js/0.js"
		args = append(args, "--depth", "0", "--targets-file", f.Name())
	}
	if *single > 0 {
		target = srv.URL + "/big.js"
		args = append(args, "--depth", "0", "--max-bytes", strconv.FormatInt(*single+1, 10))
	}
	args = append(append(args, extra...), target)

	// Peak RSS comes from GNU time, which forks the scanner from its own small
	// process: Go starts children with vfork, and Linux carries the parent's
	// high-water RSS into the child's ru_maxrss at exec, so the child's own
	// rusage would report this (large) benchmark process instead.
	timeBin, err := exec.LookPath("time")
	if _, statErr := os.Stat("/usr/bin/time"); statErr == nil {
		timeBin, err = "/usr/bin/time", nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawlbench: needs GNU time (/usr/bin/time) to measure peak RSS")
		os.Exit(1)
	}
	rssFile, _ := os.CreateTemp("", "crawlbench-rss-")
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	cmd := exec.Command(timeBin, append([]string{"-o", rssFile.Name(), "-f", "%M", *bin}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if *passStderr {
		cmd.Stderr = os.Stderr
	}
	cmd.Env = os.Environ()
	if *h2 {
		// The child trusts the test server's certificate through SSL_CERT_FILE.
		f, _ := os.CreateTemp("", "crawlbench-*.pem")
		f.Write(certPEM(srv))
		f.Close()
		defer os.Remove(f.Name())
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+f.Name())
	}
	begun := time.Now()
	err = cmd.Run()
	wall := time.Since(begun)
	if err != nil && cmd.ProcessState.ExitCode() > 1 {
		fmt.Fprintf(os.Stderr, "crawlbench: cratesguard failed: %v\n%s", err, errb.String())
		os.Exit(1)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rep struct {
		Summary struct{ Targets, Scanned, Failed, Skipped int }
		Targets []struct{ Bytes int64 }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		fmt.Fprintf(os.Stderr, "crawlbench: bad JSON from cratesguard: %v\n", err)
		os.Exit(1)
	}
	var scanned int64
	for _, t := range rep.Targets {
		scanned += t.Bytes
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rssText, _ := os.ReadFile(rssFile.Name())
	var rssKiB float64
	fmt.Sscan(strings.TrimSpace(string(rssText)), &rssKiB)
	fmt.Printf("urls=%d scanned=%d failed=%d bytes=%d wall=%.3fs cpu=%.3fs peak_rss_mib=%.1f cpu_ms_per_mb=%.2f\n",
		*urls, rep.Summary.Scanned, rep.Summary.Failed, scanned, wall.Seconds(), cpu.Seconds(),
		rssKiB/1024, float64(cpu.Milliseconds())/(float64(scanned)/1e6))
}

func loadCorpus() []byte {
	c, err := benchcorpus.All()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawlbench: corpus unavailable:", err)
		os.Exit(1)
	}
	return c
}

func certPEM(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}
