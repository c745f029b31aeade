package target

import (
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestReadListNeverEchoesALine(t *testing.T) {
	tok := tokentest.New(1).API()
	cases := map[string]string{
		"https://ok.example/\nCARGO_REGISTRY_TOKEN=" + tok + "\n":   "list:2: no such file",
		"https://ok.example/?t=" + tok + "\n":                       "list:1: the URL holds a crates.io token",
		"ftp://secret-host.example/\n":                              "list:1: the scheme is not supported",
		"https://user:pw@example.com/\n":                            "list:1: credentials in URLs",
		"https://ok.example/\n" + strings.Repeat("y", 70000) + "\n": "list:2: the line is longer",
	}
	for in, want := range cases {
		_, err := ReadList(strings.NewReader(in), "list")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: error %v, want %q", in, err, want)
			continue
		}
		for _, leak := range []string{tok, "secret-host", "pw@", "yyyy"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%.40q: the error repeats the line: %v", in, err)
			}
		}
	}
}

func TestReadListCommentsAndBOM(t *testing.T) {
	got, err := ReadList(strings.NewReader("\uFEFFhttps://a.example/   # staging\r\n# all of it\nhttps://b.example/x#frag\n\thttps://c.example/\t# tab\n"), "l")
	if err != nil || strings.Join(got, " ") != "https://a.example/ https://b.example/x#frag https://c.example/" {
		t.Fatalf("got %q, %v", got, err)
	}
}
