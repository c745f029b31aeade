package main

// Hostile content, class 7: holes in detection. A token in the body or
// the Set-Cookie of a redirect, or in the 404 page of a guessed or probed
// URL, is a leak like any other (the latter reported at the site's 404
// page).

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestHolesRedirectsAndNotFoundPages(t *testing.T) {
	src := tokentest.New(220)
	inBody, inCookie, inEnv404, inChunk404, inMap404 := src.API(), src.API(), src.API(), src.API(), src.API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<script src="/app.js"></script><a href="/old">old</a>`)
		case "/app.js":
			io.WriteString(w, `import("/chunks/lazy.js");`+"\n//# sourceMappingURL=app.js.map\n")
		case "/old":
			http.SetCookie(w, &http.Cookie{Name: "deploy", Value: inCookie})
			w.Header().Set("Location", "/new")
			w.WriteHeader(http.StatusFound)
			fmt.Fprintf(w, "<p>moved; debug token %s</p>", inBody)
		case "/new":
			io.WriteString(w, "fine")
		case "/.env":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "not found\nCARGO_REGISTRY_TOKEN=%s\n", inEnv404)
		case "/chunks/lazy.js":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "<!-- debug 404, env: %s -->", inChunk404)
		case "/app.js.map":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "no map (token=%s)", inMap404)
		default:
			http.NotFound(w, r) // a plain 404: skipped, not failed
		}
	}))
	defer srv.Close()
	r := cli(t, "scan", "--probe", "--format", "json", srv.URL+"/")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	got := map[string]bool{}
	for _, res := range parseSARIF(t, r.sarif).Runs[0].Results {
		got[res.Properties["tokenSha256"].(string)] = true
	}
	for name, tok := range map[string]string{"302 body": inBody, "302 Set-Cookie": inCookie, "/.env 404": inEnv404,
		"chunk 404": inChunk404, "source map 404": inMap404} {
		if !got[sha(tok)] {
			t.Errorf("the token in the %s was missed", name)
		}
	}
	checkSecrets(t, map[string]string{"stdout": r.stdout, "SARIF": string(r.sarif)}, inBody, inCookie, inEnv404, inChunk404, inMap404)
	// A guessed URL's 404 is skipped as not present, one that holds a token
	// too: the token is reported at the site's 404 page, and the URL says so.
	if !strings.Contains(r.stdout, `"reason": "HTTP 404: not present"`) {
		t.Errorf("a plain 404 of a guessed URL is not skipped as not present")
	}
	if !strings.Contains(r.stdout, `"reason": "HTTP 404: not present; its answer holds a token, reported at the site's 404 page"`) {
		t.Errorf("a 404 with a token is not reported as such")
	}
}
