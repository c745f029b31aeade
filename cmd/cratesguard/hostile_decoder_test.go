package main

// Hostile content, class 6: decoding takes linear time. 64 MB of encoded
// "c"s, served gzip-compressed (the body that once burned 92 s of CPU over
// three attempts and hid the token after it), is scanned in one attempt
// within the default timeout, and the token after the padding is found.
// (internal/detect's TestDecoderTimeIsLinear holds each shape to 5x the
// time of plain text plus 1 s.)

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestEncodedPaddingDoesNotHideAToken(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 64 MB bodies")
	}
	tok := tokentest.New(250).API()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	for range (64 << 20) / (3 * 4096) {
		zw.Write(bytes.Repeat([]byte("%63"), 4096))
	}
	zw.Write([]byte(" token=" + tok + ";"))
	zw.Close()
	body := gz.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	defer srv.Close()
	r := cli(t, "scan", "--format", "json", srv.URL+"/padded.txt")
	var js struct {
		Findings []struct{ Sha256 string }
		Targets  []struct {
			State    string
			Attempts int
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || len(js.Findings) != 1 || js.Findings[0].Sha256 != sha(tok) {
		t.Errorf("exit %d, %d findings: the token after 64 MB of %%63 was not found", r.code, len(js.Findings))
	}
	if len(js.Targets) != 1 || js.Targets[0].State != "scanned" || js.Targets[0].Attempts != 1 {
		t.Errorf("targets %+v: want scanned in one attempt", js.Targets)
	}
}
