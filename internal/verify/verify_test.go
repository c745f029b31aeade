package verify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheckAPI(t *testing.T) {
	for _, ok := range []string{"https://crates.io", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"} {
		if err := CheckAPI(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://crates.io", "http://10.0.0.1", "ftp://crates.io", "crates.io", ""} {
		if err := CheckAPI(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var leaked bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked = r.Header.Get("Authorization") != "" }))
	defer elsewhere.Close()
	api := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/api/v1/me", http.StatusFound))
	defer api.Close()
	v := &Verifier{API: api.URL, UserAgent: "t", Interval: time.Millisecond}
	r := v.Check(context.Background(), "cio-not-a-real-token")
	if r.Validity != Unknown || !strings.Contains(r.Detail, "redirect") || leaked {
		t.Fatalf("%+v, token followed the redirect: %v", r, leaked)
	}
}

func TestErrorsNeverHoldTheToken(t *testing.T) {
	v := &Verifier{API: "http://127.0.0.1:1", UserAgent: "t", Interval: time.Millisecond}
	tok := "cio-secret-value-for-this-test"
	r := v.Check(context.Background(), tok)
	if r.Validity != Unknown || strings.Contains(r.Detail, tok) {
		t.Fatalf("%+v", r)
	}
}
