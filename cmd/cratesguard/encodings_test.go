package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	byteorder "encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestEveryEncodingIsNamed scans files that each hold a token written
// one of issue 22's ways: each is found, and named by its encoding in
// the text table (short), the JSON report and the SARIF result (message
// and property), at the place of the encoded text; no token is printed.
func TestEveryEncodingIsNamed(t *testing.T) {
	src := tokentest.New(2260)
	le := func(s string) string {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = byteorder.LittleEndian.AppendUint16(b, u)
		}
		return string(b)
	}
	gz := func(s string) string {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write([]byte(s))
		w.Close()
		return base64.StdEncoding.EncodeToString(z.Bytes())
	}
	type file struct {
		name, enc, short string
		make             func(tok string) string
	}
	files := []file{
		{"utf16.json", detect.EncUTF16LE, "UTF-16LE", func(tok string) string { return "\xff\xfe" + le(`{"token": "`+tok+`"}`) }},
		{"style.css", detect.EncCSS, "CSS escape", func(tok string) string { return `a::after{content:"\63 ` + tok[1:] + `"}` }},
		{"link.txt", detect.EncPercent2, "percent, twice", func(tok string) string { return "/r?u=%2Fcb%3Ft%3D%2563" + tok[1:] + "\n" }},
		{"key.hex", detect.EncHex, "hex", func(tok string) string { return hex.EncodeToString([]byte(tok)) + "\n" }},
		{"split.js", detect.EncConcat, "concatenation", func(tok string) string { return `t=["` + tok[:9] + `","` + tok[9:] + `"].join("");` }},
		{"octal.js", detect.EncEscapes, "string escape", func(tok string) string { return `t="ci\157` + tok[3:] + `";` }},
		{"mail.eml", detect.EncBase64, "base64", func(tok string) string {
			b64 := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", 40) + " " + tok + " ok"))
			return "Content-Transfer-Encoding: base64\r\n\r\n" + b64[:76] + "\r\n" + b64[76:] + "\r\n"
		}},
		{"map.html", detect.EncBase64Gzip, "gzip in base64", func(tok string) string {
			return `<script src="data:application/gzip;base64,` + gz(`{"token":"`+tok+`"}`) + `"></script>`
		}},
	}
	dir := t.TempDir()
	toks := map[string]file{}
	var all []string
	for _, f := range files {
		tok := src.API()
		toks[sha(tok)] = f
		all = append(all, tok)
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.make(tok)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	r := cli(t, "scan", "--format", "json", dir)
	noLeak(t, r, all...)
	var js struct {
		Findings []struct {
			Sha256    string
			Locations []struct{ Target, Encoding string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(js.Findings) != len(files) {
		t.Errorf("JSON: %d findings, want %d", len(js.Findings), len(files))
	}
	for _, f := range js.Findings {
		want, ok := toks[f.Sha256]
		if !ok || len(f.Locations) != 1 || f.Locations[0].Encoding != want.enc || filepath.Base(f.Locations[0].Target) != want.name {
			t.Errorf("JSON: %s: %+v, want %s under %q", f.Sha256[:16], f.Locations, want.name, want.enc)
		}
	}

	l := parseSARIF(t, r.sarif)
	for _, res := range l.Runs[0].Results {
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		var want file
		for _, f := range files {
			if strings.HasSuffix(uri, "/"+f.name) {
				want = f
			}
		}
		if !strings.Contains(res.Message.Text, ", under "+want.enc) {
			t.Errorf("SARIF: %s: the message does not name %q: %s", uri, want.enc, res.Message.Text)
		}
	}

	r = cli(t, "scan", dir)
	noLeak(t, r, all...)
	for s, f := range toks {
		i := strings.Index(r.stdout, s[:16])
		if i < 0 {
			t.Errorf("text: %s is not listed", f.name)
			continue
		}
		line := r.stdout[i:]
		line = line[:strings.IndexByte(line, '\n')]
		if !strings.Contains(line, " "+f.short+" ") || !strings.Contains(line, f.name) {
			t.Errorf("text: %s: the row does not say %q: %s", f.name, f.short, line)
		}
	}
}
