package config

import (
	"errors"
	"strings"
	"testing"
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
	h, err := ParseHeader("header", "authorization:  Bearer abc ")
	if err != nil || h.Name != "Authorization" || h.Value != "Bearer abc" {
		t.Fatalf("%+v %v", h, err)
	}
	for _, in := range []string{"Authorization Bearer hidden-value-1", ": hidden-value-1", "Bad Name: hidden-value-1", "X:a\nhidden-value-1"} {
		_, err := ParseHeader("header", in)
		if err == nil || strings.Contains(err.Error(), "hidden-value-1") {
			t.Errorf("ParseHeader(%q): %v", in, err)
		}
	}
}
