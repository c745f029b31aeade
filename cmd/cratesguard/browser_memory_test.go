package main

// --browser, class 5 of hostile content: what is read out of a page (its
// DOM, storage, cookies) is bounded by --max-bytes as it is read, so a page
// that writes 20 MB into its DOM and 4.5 MB into localStorage costs
// cratesguard (run as a process of its own) no more than 128 MiB.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/browser"
	"github.com/cratesguard/cratesguard/internal/browsertest"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestBrowserMemoryIsBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: a page writes 20 MB into its DOM (measured without -race)")
	}
	path := browsertest.Need(t, browser.Find)
	tok := tokentest.New(4096).API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<p>a small page</p>`)
		case "/dom":
			fmt.Fprintf(w, `<!doctype html><body><script>
document.body.textContent = "key " + %s + " " + "x".repeat(20e6);
localStorage.setItem("big", "y".repeat(4.5e6));
</script>`, jsSplit(tok))
		}
	}))
	defer srv.Close()
	args := []string{"scan", "--browser-path", path, "--browser-timeout", "60s", "--max-bytes", "1MiB", "--format", "json"}
	base, _, _ := peakRSS(t, append(args, srv.URL+"/")...)
	kb, out, code := peakRSS(t, append(args, srv.URL+"/dom")...)
	t.Logf("a 20 MB DOM with --max-bytes 1MiB: peak %d MiB (%.1fx the %d MiB of a one-page browser scan)", kb>>10, float64(kb)/float64(base), base>>10)
	if kb > peakLimitKiB {
		t.Errorf("peak RSS %d MiB, over 128 MiB", kb>>10)
	}
	if code != 1 || !strings.Contains(out, sha(tok)) {
		t.Errorf("exit %d: the token at the start of the DOM was not found", code)
	}
	for _, want := range []string{"rendered DOM is larger than --max-bytes", "localStorage holds more than 1048576 bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}
