package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/cratesguard/cratesguard/internal/archivetest"
	"github.com/cratesguard/cratesguard/internal/config"
	"github.com/cratesguard/cratesguard/internal/crawl"
	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/target"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// places lists every place of every token a scan of path reports.
func places(t *testing.T, path string) []string {
	t.Helper()
	cfg := config.Defaults()
	tg, err := target.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Targets = []target.Target{tg}
	rep := Run(context.Background(), cfg, Options{Limits: &findings.Limits{Findings: 100000, Locations: 1000, Targets: 100}})
	for _, tg := range rep.Targets {
		if tg.State != findings.Scanned {
			t.Fatalf("%s: %s %s", tg.Target, tg.State, tg.Reason)
		}
	}
	var out []string
	for _, f := range rep.Findings {
		for _, l := range f.Locations {
			out = append(out, fmt.Sprintf("%s %d:%d/%d @%d %s", f.SHA256[:8], l.Line, l.Column, l.Column16, l.Offset, l.Encoding))
		}
		if f.Occurrences != len(f.Locations) {
			t.Errorf("token %s: %d occurrences, %d places", f.SHA256[:8], f.Occurrences, len(f.Locations))
		}
	}
	slices.Sort(out)
	return out
}

// TestWindowsSeeWhatTheStreamSees: a file scanned in windows (in place,
// in parallel) reports every token exactly once, at the same line and
// columns as the streaming scan, wherever the window boundaries fall:
// tokens plain and under every encoding, placed across each boundary at
// every offset near it, on lines that span windows, after UTF-8 text.
func TestWindowsSeeWhatTheStreamSees(t *testing.T) {
	defer func(a, b, c int64, d int) {
		splitMin, windowSize, windowOverlap, blockSize = a, b, c, d
	}(splitMin, windowSize, windowOverlap, blockSize)
	blockSize = 3001 // several blocks a window, boundaries anywhere
	defer func(d int64) { dropEvery = d }(dropEvery)
	dropEvery = 4096 // pages let go as the window goes
	src := tokentest.New(31)
	rng := rand.New(rand.NewPCG(3, 4))
	encode := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return `"` + s + `"` },
		func(s string) string { return url.QueryEscape("a=" + s) }, // plain after %3D
		func(s string) string {
			var b strings.Builder
			for _, c := range s {
				fmt.Fprintf(&b, `\u%04x`, c)
			}
			return b.String()
		},
		func(s string) string {
			var b strings.Builder
			for _, c := range s {
				fmt.Fprintf(&b, "%%%02X", c)
			}
			return b.String()
		},
		func(s string) string {
			var b strings.Builder
			for _, c := range s {
				fmt.Fprintf(&b, "&#%d;", c)
			}
			return b.String()
		},
		func(s string) string {
			return base64.StdEncoding.EncodeToString([]byte(`{"token":"` + s + `","pad":"xxxxxxxxxxxxxxxx"}`))
		},
		// issue 22's
		func(s string) string { return `"c\u0069` + s[2:] + `"` },
		func(s string) string {
			var b strings.Builder
			for _, c := range s {
				fmt.Fprintf(&b, `\%x `, c)
			}
			return b.String()
		},
		func(s string) string { return hex.EncodeToString([]byte(s)) },
		func(s string) string {
			var b strings.Builder
			for _, u := range utf16.Encode([]rune(" " + s + " ")) {
				b.Write(binary.LittleEndian.AppendUint16(nil, u))
			}
			return b.String()
		},
		func(s string) string { return `"` + s[:10] + `" + "` + s[10:] + `"` },
		func(s string) string {
			b64 := base64.StdEncoding.EncodeToString([]byte("the token is " + s + " and more text, to wrap it in lines."))
			return "\n" + b64[:64] + "\n" + b64[64:] + "\n"
		},
		func(s string) string {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write([]byte(`{"token":"` + s + `"}`))
			w.Close()
			return "data:application/gzip;base64," + base64.StdEncoding.EncodeToString(z.Bytes())
		},
	}
	const win = 16 << 10
	var b bytes.Buffer
	filler := func(n int) {
		for ; n > 0; n-- {
			switch c := rng.IntN(40); {
			case c == 0:
				b.WriteByte('\n')
			case c == 1 && n >= 2:
				b.WriteString("é")
				n--
			case c == 2 && n >= 4:
				b.WriteString("😀")
				n -= 3
			case c < 8:
				b.WriteByte(' ')
			default:
				b.WriteByte(byte('a' + rng.IntN(26)))
			}
		}
	}
	// At each window boundary, one token under one encoding, starting
	// anywhere from its whole length before the boundary to just after.
	straddling := 0
	for k := 1; k <= 12*len(encode); k++ {
		tok := " " + encode[k%len(encode)](src.API()) + " "
		start := k*win - rng.IntN(len(tok)+2) + 1
		filler(start - b.Len())
		if b.Len() < k*win && b.Len()+len(tok) > k*win {
			straddling++
		}
		b.WriteString(tok)
	}
	// Dense patterns: windows where the listed search gives way to each
	// stage's own (MaxCands is lowered below).
	for range 300 {
		b.WriteString("\\ncio%63&#99;Y2l" + src.API() + "\n")
	}
	// A long base64 run across several boundaries, a token in it every
	// 100 bytes or so.
	b.WriteString(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("data "+src.API()+" more "), 300)))
	filler(win)
	// And one at the end of the file, a newline after it: the last
	// window's last block decides it after the block's lines are counted.
	b.WriteString("\nlast = " + src.API() + "\n")
	dir := t.TempDir()
	path := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	splitMin, mapFiles = 1<<62, false // streamed
	defer func(m bool) { mapFiles = m }(mapFiles)
	want := places(t, path)
	if straddling < 10*len(encode) {
		t.Fatalf("only %d tokens straddle a boundary: the fixture is wrong", straddling)
	}
	if len(want) < 24*len(encode) {
		t.Fatalf("the streaming scan found only %d places: the fixture is wrong", len(want))
	}
	for _, enc := range []string{detect.EncEscapes, detect.EncPercent, detect.EncHTML, detect.EncBase64, detect.EncCSS,
		detect.EncHex, "UTF-16", detect.EncConcat, detect.EncBase64Gzip} {
		// (UTF-16 text inside UTF-8 text, at an odd offset, is named
		// big-endian: without a byte order mark, the offset says.)
		if n := len(slices.DeleteFunc(slices.Clone(want), func(p string) bool { return !strings.Contains(p, " "+enc) })); n < 10 {
			t.Errorf("the streaming scan found %d tokens under %s: the fixture is wrong", n, enc)
		}
	}
	defer func(n int) { detect.MaxCands = n }(detect.MaxCands)
	detect.MaxCands = 200
	defer func(n int64) { readWhole = n }(readWhole)
	for _, c := range []struct {
		name string
		set  func()
	}{
		{"read whole", func() { mapFiles, readWhole = true, 1<<62 }},
		{"in place, one window", func() { readWhole = 0 }},
		{"in windows", func() { splitMin, windowSize, windowOverlap = 0, win, 8<<10 }},
	} {
		c.set()
		got := places(t, path)
		if !slices.Equal(got, want) {
			for _, p := range want {
				if !slices.Contains(got, p) {
					t.Errorf("%s: missed %s", c.name, p)
				}
			}
			for _, p := range got {
				if !slices.Contains(want, p) {
					t.Errorf("%s: reported %s, the stream did not", c.name, p)
				}
			}
		}
	}
}

// TestWindowsOfAFileThatShrinks: a file cut short while it is mapped
// faults on the lost pages; that is an error for the report, not a crash,
// whether the file is one window or several (or read whole: it ends
// early). The worker that met it then scans the next file as well as ever.
func TestWindowsOfAFileThatShrinks(t *testing.T) {
	defer func(a, b, c int64) { splitMin, windowSize, windowOverlap = a, b, c }(splitMin, windowSize, windowOverlap)
	windowSize, windowOverlap = 256<<10, 8<<10
	tok := tokentest.New(32).API()
	good := filepath.Join(t.TempDir(), "good.js")
	os.WriteFile(good, []byte("var t = '"+tok+"';\n"), 0o644)
	defer func(n int64) { readWhole = n }(readWhole)
	for _, mode := range []struct{ split, read int64 }{{splitMin, 1 << 62}, {splitMin, 0}, {0, 0}} {
		split := mode.split
		path := filepath.Join(t.TempDir(), "shrinks.js")
		os.WriteFile(path, bytes.Repeat([]byte("var a = 1;\n"), 100000), 0o644)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		if err := os.Truncate(path, 4096); err != nil { // after the size was taken
			t.Fatal(err)
		}
		splitMin, readWhole = split, mode.read
		e := newEngine(config.Defaults(), Options{})
		var w worker
		scan := func(f *os.File, size int64, add func(detect.Match)) error {
			if size <= readWhole {
				var buf []byte
				_, err := e.scanRead(&w, &buf, f, size, add)
				return err
			}
			return e.scanInPlace(&w, f, size, add)
		}
		err = scan(f, fi.Size(), func(detect.Match) {})
		f.Close()
		if err == nil || !strings.Contains(err.Error(), "the file changed while it was read") {
			t.Errorf("%+v: a file that shrank: %v", mode, err)
		}
		g, _ := os.Open(good)
		gi, _ := g.Stat()
		var found []string
		err = scan(g, gi.Size(), func(m detect.Match) { found = append(found, m.Token) })
		g.Close()
		if err != nil || len(found) != 1 || found[0] != tok {
			t.Errorf("%+v: the next file: %v, %d findings", mode, err, len(found))
		}
		// And a stream: the decoder's buffer is its own again, not the
		// lost mapping's.
		found = nil
		w.dec.Reset(func(m detect.Match) { found = append(found, m.Token) })
		w.dec.Write([]byte(`t="\u0063` + tok[1:] + `"`))
		w.dec.Close()
		if len(found) != 1 || found[0] != tok {
			t.Errorf("%+v: a stream after: %d findings", mode, len(found))
		}
	}
}

// TestSmallFileWithoutABufferStreams: with every read buffer in use, a
// small file is left to the stream, its start unread; with one free, it is
// scanned in place and the buffer given back.
func TestSmallFileWithoutABufferStreams(t *testing.T) {
	tok := tokentest.New(33).API()
	path := filepath.Join(t.TempDir(), "a.js")
	os.WriteFile(path, []byte("var t = '"+tok+"';\n"), 0o644)
	e := newEngine(config.Defaults(), Options{})
	var held [][]byte
	for range cap(e.readBufs) {
		held = append(held, <-e.readBufs)
	}
	f, _ := os.Open(path)
	defer f.Close()
	var w worker
	var found []string
	add := func(m detect.Match) { found = append(found, m.Token) }
	if ok, _, err := e.scanFile(&w, f, crawl.Classify(&url.URL{Path: path}, ""), add); ok || err != nil || len(found) != 0 {
		t.Fatalf("no buffer free: in place %v, %v, %d found", ok, err, len(found))
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Fatalf("the stream would start at byte %d", off)
	}
	e.readBufs <- held[0]
	if ok, _, err := e.scanFile(&w, f, crawl.Classify(&url.URL{Path: path}, ""), add); !ok || err != nil || len(found) != 1 || found[0] != tok {
		t.Fatalf("a buffer free: in place %v, %v, found %d", ok, err, len(found))
	}
	if len(e.readBufs) != 1 {
		t.Errorf("the buffer was not given back")
	}
}

// TestDecoderNotesReachTheTarget: where the decoder stops at a limit (a
// gzip payload in base64 over 1 MiB), the file's target says so, however
// the file is scanned: streamed, read whole, in place, in windows.
func TestDecoderNotesReachTheTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 60))
	noise := make([]byte, 3<<20) // incompressible: over 1 MiB compressed
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(noise)
	w.Close()
	body := `x("data:application/gzip;base64,` + base64.StdEncoding.EncodeToString(z.Bytes()) + `");` + "\n"
	path := filepath.Join(t.TempDir(), "payload.js")
	os.WriteFile(path, []byte(body), 0o644)
	// And in an archive's member: the note names the member.
	tarPath := filepath.Join(t.TempDir(), "dist.tar")
	os.WriteFile(tarPath, archivetest.Tar(t, archivetest.Files("dist/payload.js", body)), 0o644)
	defer func(a, b, c int64, m bool, r int64) {
		splitMin, windowSize, windowOverlap, mapFiles, readWhole = a, b, c, m, r
	}(splitMin, windowSize, windowOverlap, mapFiles, readWhole)
	for _, c := range []struct {
		name string
		set  func()
	}{
		{"streamed", func() { splitMin, mapFiles = 1<<62, false }},
		{"read whole", func() { mapFiles, readWhole = true, 1<<62 }},
		{"in place, one window", func() { readWhole = 0 }},
		{"in windows", func() { splitMin, windowSize, windowOverlap = 0, 1<<20, 8<<10 }},
		{"an archive's member", func() { path = tarPath }},
	} {
		c.set()
		cfg := config.Defaults()
		tg, _ := target.Parse(path)
		cfg.Targets = []target.Target{tg}
		rep := Run(context.Background(), cfg, Options{})
		if len(rep.Targets) != 1 || !slices.ContainsFunc(rep.Targets[0].Warnings, func(w string) bool {
			return strings.Contains(w, "gzip payload") && (path != tarPath || strings.Contains(w, "dist/payload.js"))
		}) {
			t.Errorf("%s: no note of the payload's limit in %+v", c.name, rep.Targets)
		}
	}
}
