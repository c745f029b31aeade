package main

// Hostile content, class 5: memory is bounded whatever a site serves.
// Each input below once took 1.3 to 6 GB; cratesguard, run as a process of
// its own, must peak at 128 MiB or less on each (under the default 64 MiB
// body cap). The peak is the child's own VmHWM (CRATESGUARD_PEAK_RSS): the
// rusage of a child started by Go counts its parent.

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// peakLimitKiB is the bound of the hostile-content issue: 128 MiB.
const peakLimitKiB = 128 << 10

// stream writes unit n times in 64 KiB writes.
func stream(w io.Writer, unit string, n int) {
	chunk := strings.Repeat(unit, max(1, (64<<10)/len(unit)))
	per := len(chunk) / len(unit)
	for n > 0 {
		k := min(n, per)
		if _, err := io.WriteString(w, chunk[:k*len(unit)]); err != nil {
			return
		}
		n -= k
	}
}

// randomTokens writes n distinct random API tokens, one a line.
func randomTokens(w io.Writer, n int) { repeatedTokens(w, n, 1) }

// repeatedTokens writes n distinct random API tokens, one a line, times
// times over.
func repeatedTokens(w io.Writer, n, times int) {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	bw := bufio.NewWriterSize(w, 64<<10)
	line := []byte(tokentest.Prefix + strings.Repeat("x", 32) + "\n")
	for range times {
		r := rand.New(rand.NewPCG(1, 2)) // the same n tokens each time
		for range n {
			for j := 3; j < 35; j++ {
				line[j] = alnum[r.IntN(62)]
			}
			if _, err := bw.Write(line); err != nil {
				return
			}
		}
	}
	bw.Flush()
}

func hostileMemoryServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/small":
			io.WriteString(w, "<p>a small page</p>")
		case p == "/links": // a page with 1,000,000 links
			w.Header().Set("Content-Type", "text/html")
			for i := 0; i < 1000000; i += 1000 {
				var b strings.Builder
				for j := i; j < i+1000; j++ {
					fmt.Fprintf(&b, `<a href="/p/%d">x</a>`, j)
				}
				if _, err := io.WriteString(w, b.String()); err != nil {
					return
				}
			}
		case strings.HasPrefix(p, "/p/"):
			io.WriteString(w, "ok")
		case p == "/sources.js.map": // 16M sources
			io.WriteString(w, `{"version":3,"sources":[`)
			stream(w, `"a",`, 16000000)
			io.WriteString(w, `"b"],"mappings":""}`)
		case p == "/contents.js.map": // 21M empty sourcesContent strings
			io.WriteString(w, `{"version":3,"sources":["a"],"sourcesContent":[`)
			stream(w, `"",`, 21000000)
			io.WriteString(w, `""],"mappings":""}`)
		case p == "/tokens.js": // 1.8M distinct tokens
			randomTokens(w, 1800000)
		case p == "/places.js": // 5,000 tokens, 60 places each
			repeatedTokens(w, 5000, 60)
		case p == "/bundle.js":
			io.WriteString(w, "const t='"+memToken+"';\n//# sourceMappingURL=bundle.js.map\n")
		case p == "/bundle.js.map": // a 63 MB mappings string
			io.WriteString(w, `{"version":3,"sources":["src/config.ts"],"mappings":"`)
			stream(w, "AAAA,", 63000000/5)
			io.WriteString(w, `"}`)
		case p == "/big.tar.gz": // 1 GiB of members, gzipped on the fly; the token in the last
			w.Header().Set("Content-Type", "application/octet-stream")
			gw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			tw := tar.NewWriter(gw)
			for i := range 128 {
				tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("pkg/chunk%03d.js", i), Mode: 0o644, Size: 8 << 20, Typeflag: tar.TypeReg})
				if i == 127 {
					io.WriteString(tw, "const t='"+memToken+"';\n")
					stream(tw, "x", 8<<20-len(memToken)-12)
				} else {
					stream(tw, "var a=1;\n", (8<<20)/9)
					stream(tw, "x", (8<<20)%9)
				}
			}
			tw.Close()
			gw.Close()
		case p == "/bomb.zip": // 1 GiB of zeros in one member
			bombOnce.Do(func() {
				var b bytes.Buffer
				zw := zip.NewWriter(&b)
				m, _ := zw.Create("zeros.txt")
				zero := make([]byte, 1<<20)
				for range 1024 {
					m.Write(zero)
				}
				zw.Close()
				bomb = b.Bytes()
			})
			w.Header().Set("Content-Type", "application/zip")
			w.Write(bomb)
		case p == "/attributes": // 16 pages, each with a 63 MB attribute
			w.Header().Set("Content-Type", "text/html")
			for i := range 16 {
				fmt.Fprintf(w, `<a href="/big/%d">b</a>`, i)
			}
		case strings.HasPrefix(p, "/big/"):
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><div data-x="`)
			stream(w, "x", 63<<20)
			io.WriteString(w, `">end</div><a href="/after">a</a></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

var memToken = tokentest.New(240).API()

var (
	bombOnce sync.Once
	bomb     []byte
)

// peakRSS runs the built binary with args and returns its peak RSS in KiB
// and its stdout.
func peakRSS(t *testing.T, args ...string) (int, string, int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "peak")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append(os.Environ(), "CRATESGUARD_PEAK_RSS="+out)
	stdout, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no peak RSS written: %v (exit %d)", err, code)
	}
	kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(string(b)), "kB")))
	if err != nil {
		t.Fatalf("peak RSS %q: %v", b, err)
	}
	return kb, string(stdout), code
}

func TestHostileMemoryIsBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: serves gigabytes to a child (measured without -race)")
	}
	srv := hostileMemoryServer(t)
	repo := t.TempDir()
	os.MkdirAll(filepath.Join(repo, "src"), 0o755)
	os.WriteFile(filepath.Join(repo, "src", "config.ts"), []byte("export const t = 1;\n"), 0o644)
	base, _, _ := peakRSS(t, "scan", "--format", "json", srv.URL+"/small")
	cases := []struct {
		name string
		args []string
		want string // in the JSON report
	}{
		{"1,000,000 links on a page", []string{srv.URL + "/links"}, "more than 10000 links"},
		{"16M sources in a source map", []string{srv.URL + "/sources.js.map"}, "names passed over"},
		{"21M empty sourcesContent strings", []string{srv.URL + "/contents.js.map"}, `"scanned": 1`},
		{"1.8M distinct tokens in one body", []string{srv.URL + "/tokens.js"}, "more than 25000 distinct tokens"},
		{"5,000 tokens at 60 places each", []string{srv.URL + "/places.js"}, "each keeps its first 10 places"},
		{"--repo with a 63 MB mappings string", []string{"--repo", repo, srv.URL + "/bundle.js"}, "bundle.js.map"},
		{"16 pages with a 63 MB attribute each", []string{"--concurrency", "16", srv.URL + "/attributes"}, "longer than 1024 KiB"},
		{"a 1 GiB .tar.gz, --max-bytes 2GiB", []string{"--max-bytes", "2GiB", srv.URL + "/big.tar.gz"}, "big.tar.gz!/pkg/chunk127.js"},
		{"a zip bomb: 1 GiB of zeros", []string{srv.URL + "/bomb.zip"}, "a zip bomb?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kb, out, code := peakRSS(t, append([]string{"scan", "--format", "json"}, c.args...)...)
			t.Logf("%-40s peak %4d MiB (%.1fx the %d MiB of a one-page scan)", c.name, kb>>10, float64(kb)/float64(base), base>>10)
			if kb > peakLimitKiB {
				t.Errorf("peak RSS %d MiB, over 128 MiB", kb>>10)
			}
			if code == 2 || !strings.Contains(out, c.want) {
				t.Errorf("exit %d; the report does not say %q", code, c.want)
			}
		})
	}
}

// TestManySmallFilesKeepMemoryFlat: small files are read whole into
// buffers, two a core, not one a worker: 256 files of 480 KiB scanned by
// 256 workers hold a few buffers, not 256 (120 MiB), and each file is
// scanned (the last one's token found).
func TestManySmallFilesKeepMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: writes 120 MiB of files")
	}
	dir := t.TempDir()
	body := bytes.Repeat([]byte("function f(a){return a+1}\n"), 480<<10/26)
	for i := range 256 {
		b := body
		if i == 255 {
			b = append(bytes.Clone(body), "t='"+tokentest.New(299).API()+"'\n"...)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("chunk-%03d.js", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, _, _ := peakRSS(t, "scan", "--format", "json", filepath.Join(dir, "chunk-000.js"))
	kb, out, code := peakRSS(t, "scan", "--format", "json", "--concurrency", "256", dir)
	t.Logf("256 files of 480 KiB, 256 workers: peak %d MiB (one file: %d MiB)", kb>>10, base>>10)
	if kb > base+32<<10 {
		t.Errorf("peak RSS %d MiB, more than 32 MiB over one file's %d MiB", kb>>10, base>>10)
	}
	if code != 1 || !strings.Contains(out, `"scanned": 256`) {
		t.Errorf("exit %d, want one token in 256 scanned files:\n%.400s", code, out)
	}
}
