package textfile

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	var got []string
	err := Lines(strings.NewReader("\uFEFFone\r\ntwo\n\nfour"), "f", func(n int, l string) error {
		got = append(got, l)
		return nil
	})
	if err != nil || strings.Join(got, "|") != "one|two||four" {
		t.Fatalf("got %q, %v", got, err)
	}
	long := "ok\n" + strings.Repeat("x", MaxLine+10) + "\n"
	err = Lines(strings.NewReader(long), "list.txt", func(int, string) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "list.txt:2: the line is longer than 64 KiB") || strings.Contains(err.Error(), "xxx") {
		t.Fatalf("long line: %v", err)
	}
}
