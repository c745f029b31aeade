package scan

import "testing"

// TestMemberNamesStayNames: a member's name never becomes another path
// once its place is cleaned or resolved: dot segments, a leading slash,
// backslashes and a drive letter are escaped, on disk and in a URL.
func TestMemberNamesStayNames(t *testing.T) {
	for _, c := range []struct{ name, file, url string }{
		{"foo-1.2.3/src/lib.rs", "foo-1.2.3/src/lib.rs", "foo-1.2.3/src/lib.rs"},
		{"./usr/bin/foo", "usr/bin/foo", "usr/bin/foo"},
		{"../../src/main.rs", "%2E%2E/%2E%2E/src/main.rs", "%2E%2E/%2E%2E/src/main.rs"},
		{"../../../../../../../etc/passwd", "%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd"},
		{"/etc/cron.d/x", "%2Fetc/cron.d/x", "%2Fetc/cron.d/x"},
		{"a/./b/../c", "a/%2E/b/%2E%2E/c", "a/%2E/b/%2E%2E/c"},
		{`..\..\src\main.rs`, `..%5C..%5Csrc%5Cmain.rs`, `..%5C..%5Csrc%5Cmain.rs`},
		{`C:\Windows\x`, `C%3A%5CWindows%5Cx`, `C%3A%5CWindows%5Cx`},
		{"C:/Windows/x", "C%3A/Windows/x", "C%3A/Windows/x"},
		{"dir with space/a b.txt", "dir with space/a b.txt", "dir%20with%20space/a%20b.txt"},
	} {
		if got := memberName(c.name, false); got != c.file {
			t.Errorf("%q in a file: %q, want %q", c.name, got, c.file)
		}
		if got := memberName(c.name, true); got != c.url {
			t.Errorf("%q in a URL: %q, want %q", c.name, got, c.url)
		}
	}
}
