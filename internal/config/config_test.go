package config

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/target"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{"1": 1, "1048576": 1 << 20, "64MiB": 64 << 20, "2GiB": 2 << 30, "500KB": 500000,
		"10M": 10 << 20, "3 MiB": 3 << 20, "7kib": 7 << 10, "12B": 12}
	for in, want := range good {
		got, err := ParseSize("max-bytes", in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "MiB", "12XB", "1.5GiB", "99999999999TiB"} {
		_, err := ParseSize("max-bytes", in)
		var ce *Error
		if !errors.As(err, &ce) || ce.Field != "max-bytes" {
			t.Errorf("ParseSize(%q): err %v, want a max-bytes error", in, err)
		}
	}
}

func TestParseHeaderNeverEchoesTheValue(t *testing.T) {
	h, err := ParseHeader("header", 1, "authorization:  Bearer abc ")
	if err != nil || h.Name != "Authorization" || h.Value != "Bearer abc" {
		t.Fatalf("%+v %v", h, err)
	}
	for _, in := range []string{"Authorization Bearer hidden-value-1", ": hidden-value-1", "Bad Name: hidden-value-1", "X:a\nhidden-value-1", "short", "X: \x1bhidden-value-1"} {
		_, err := ParseHeader("header", 3, in)
		if err == nil || strings.Contains(err.Error(), "hidden-value-1") || strings.Contains(err.Error(), "short") || !strings.Contains(err.Error(), "header 3") {
			t.Errorf("ParseHeader(%q): %v", in, err)
		}
	}
}

func TestParseDurationAsksForAUnit(t *testing.T) {
	if d, err := ParseDuration("timeout", "1m30s"); err != nil || d.Seconds() != 90 {
		t.Errorf("1m30s: %v %v", d, err)
	}
	if _, err := ParseDuration("timeout", "5"); err == nil || !strings.Contains(err.Error(), "durations need one, as in 5s") {
		t.Errorf("5: %v", err)
	}
	if _, err := ParseDuration("timeout", "soon"); err == nil || !strings.Contains(err.Error(), "is not a duration") {
		t.Errorf("soon: %v", err)
	}
}

func TestValidateRateAndHosts(t *testing.T) {
	for _, r := range []float64{math.NaN(), math.Inf(1), 1e-12, 1e-7, -1, 0.009} {
		c := Defaults()
		c.Targets, c.Rate = []target.Target{{Raw: "x", Path: "."}}, r
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "rate") {
			t.Errorf("--rate %v: %v", r, err)
		}
	}
	for _, h := range []string{"cdn.example", "cdn.example:8443", "127.0.0.1:9000", "[::1]:8443"} {
		c := Defaults()
		c.Targets, c.AllowHosts = []target.Target{{Raw: "x", Path: "."}}, []string{h}
		if err := c.Validate(); err != nil {
			t.Errorf("--allow-host %s: %v", h, err)
		}
	}
	for _, h := range []string{"https://cdn.example", "cdn.example/x", "cdn.example:0", "a@b", "cdn.example:http"} {
		c := Defaults()
		c.Targets, c.AllowHosts = []target.Target{{Raw: "x", Path: "."}}, []string{h}
		if err := c.Validate(); err == nil {
			t.Errorf("--allow-host %s accepted", h)
		}
	}
}
