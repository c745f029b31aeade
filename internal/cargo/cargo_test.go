package cargo

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func write(t *testing.T, dir, rel, body string) {
	p := filepath.Join(dir, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPublished(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Cargo.toml", `
[workspace]
members = ["crates/*", "tools/cli"]
exclude = ["crates/scratch"]
[workspace.package]
version = "0.4.1"

[package]
name = "umbrella"
version = "2.0.0"
`)
	write(t, dir, "crates/core/Cargo.toml", "[package]\nname = \"acme-core\"\nversion.workspace = true\n")
	write(t, dir, "crates/macros/Cargo.toml", "[package]\nname = \"acme-macros\"\nversion = \"0.4.0\"\npublish = [\"crates-io\"]\n")
	write(t, dir, "crates/internal/Cargo.toml", "[package]\nname = \"acme-internal\"\nversion = \"0.1.0\"\npublish = false\n")
	write(t, dir, "crates/private/Cargo.toml", "[package]\nname = \"acme-private\"\nversion = \"0.1.0\"\npublish = [\"my-registry\"]\n")
	write(t, dir, "crates/nover/Cargo.toml", "[package]\nname = \"acme-nover\"\n")
	write(t, dir, "crates/scratch/Cargo.toml", "[package]\nname = \"scratch\"\nversion = \"0.0.1\"\n")
	write(t, dir, "crates/docs/README.md", "not a crate")
	write(t, dir, "tools/cli/Cargo.toml", "[package]\nname = \"acme\"\nversion = \"1.0.0-rc.1\"\n")
	got, err := Published(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name+"@"+p.Version)
	}
	want := []string{"acme@1.0.0-rc.1", "acme-core@0.4.1", "acme-macros@0.4.0", "umbrella@2.0.0"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got %v, want %v", names, want)
	}
	if _, err := Published(t.TempDir(), nil); err == nil {
		t.Error("a directory without Cargo.toml is no workspace")
	}
	write(t, dir, "Cargo.toml", "[package\nname=")
	if _, err := Published(dir, nil); err == nil {
		t.Error("a broken Cargo.toml was read")
	}
}
