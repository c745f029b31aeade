package npm

import (
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	sum := sha512.Sum512([]byte("tarball"))
	sri := "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA= sha512-" + base64.StdEncoding.EncodeToString(sum[:])
	doc := `{"dist-tags":{"latest":"1.2.0"},"versions":{
		"1.2.0":{"dist":{"tarball":"https://r.example/p/-/p-1.2.0.tgz","integrity":"` + sri + `"}},
		"0.1.0":{"dist":{"tarball":"https://r.example/p/-/p-0.1.0.tgz","shasum":"` + strings.Repeat("ab", 20) + `"}},
		"0.0.1":{"dist":{"tarball":"https://r.example/p/-/p-0.0.1.tgz"}}}}`
	d, err := Resolve([]byte(doc), "")
	if err != nil || d.Version != "1.2.0" || d.Algo != "sha512" || string(d.Want) != string(sum[:]) || !strings.Contains(string(d.Metadata), "p-1.2.0.tgz") {
		t.Fatalf("latest: %+v, %v", d, err)
	}
	if d, err := Resolve([]byte(doc), "0.1.0"); err != nil || d.Algo != "sha1" || len(d.Want) != 20 {
		t.Errorf("shasum: %+v, %v", d, err)
	}
	if d, err := Resolve([]byte(doc), "0.0.1"); err != nil || d.Algo != "" {
		t.Errorf("no digest: %+v, %v", d, err)
	}
	if _, err := Resolve([]byte(doc), "9.9.9"); !errors.Is(err, ErrNoVersion) {
		t.Errorf("a version not listed: %v, want ErrNoVersion", err)
	}
	for _, bad := range []string{`[]`, `{"versions":{}}`, `{"versions":{"1.0.0":{"dist":{}}}}`,
		`{"versions":{"1.0.0":{"dist":{"tarball":"x","integrity":"sha512-short"}}}}`,
		`{"versions":{"1.0.0":{"dist":{"tarball":"x","integrity":"md5-AAAA"}}}}`} {
		if _, err := Resolve([]byte(bad), "1.0.0"); err == nil || errors.Is(err, ErrNoVersion) && bad != `{"versions":{}}` {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestPackumentURL(t *testing.T) {
	if got := PackumentURL("https://registry.npmjs.org/", "@scope/pkg"); got != "https://registry.npmjs.org/@scope%2Fpkg" {
		t.Errorf("scoped: %s", got)
	}
}
