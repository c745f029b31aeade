package archive

import (
	"archive/tar"
	"bytes"
	"strings"
	"testing"

	at "github.com/cratesguard/cratesguard/internal/archivetest"
)

// TestNoByteGoesUnread: what follows a tar's or a cpio's end marker, a
// zip's comment, and what an rpm's headers say are entries too; zeros
// after an end (tar's padding) are not; more zeros than maxPadding are
// said not read.
func TestNoByteGoesUnread(t *testing.T) {
	files := at.Files("a.txt", "member\n")
	tarred := at.Tar(t, files)
	after := append(bytes.Clone(tarred), "hidden after the end\n"...)
	zeros := append(bytes.Clone(tarred), make([]byte, 3<<10)...)
	tooMany := append(append(bytes.Clone(tarred), make([]byte, maxPadding+64<<10)...), "late\n"...)
	cpio := append(at.Cpio(files), "hidden after the trailer\n"...)
	z := at.Zip(t, files)
	z = append(z[:len(z)-2], 0, 0) // the comment's length, rewritten below
	comment := "hidden in the comment"
	z[len(z)-2] = byte(len(comment))
	z = append(z, comment...)
	rpm := at.RPMWith(t, "gzip", files, map[uint32]string{1005: "hidden in the description"})
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"x.tar", after, AfterEnd + ` = "hidden after the end\n"`},
		{"x.tar.gz", at.Compress(t, "gzip", after), AfterEnd + ` = "hidden after the end\n"`},
		{"x.tar.xz", at.Compress(t, "xz", after), AfterEnd + ` = "hidden after the end\n"`},
		{"x.cpio", cpio, AfterEnd + ` = "hidden after the trailer\n"`},
		{"x.zip", z, ZipComment + ` = "hidden in the comment"`},
		{"x.rpm", rpm, RPMHeader + ` = `},
		{"padded.tar", zeros, ""},
		{"too-many.tar", tooMany, "next: tar: more than 1 MiB of zeros follow its end: the rest was not read"},
	} {
		_, got := entries(t, c.b, c.name)
		switch {
		case c.want == "" && strings.Contains(got, AfterEnd):
			t.Errorf("%s: zeros after the end made an entry:\n%s", c.name, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: want %q in\n%s", c.name, c.want, got)
		case !strings.Contains(got, `a.txt = "member\n"`):
			t.Errorf("%s: the member is lost:\n%s", c.name, got)
		}
	}
	_, got := entries(t, rpm, "x.rpm")
	if !strings.Contains(got, RPMHeader) || !strings.Contains(got, RPMSignatureHeader) {
		t.Errorf("rpm headers not entries:\n%s", got)
	}
}

// TestMetadataIsAnEntrysText: what a tar or zip keeps about a member
// beside its content is handed over to be scanned: name, link target,
// PAX records (a comment), a zip member's comment.
func TestMetadataIsAnEntrysText(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "a.txt", Size: 1, Mode: 0o644, Typeflag: tar.TypeReg, Uname: "release-bot",
		PAXRecords: map[string]string{"comment": "pax says hello"}, Format: tar.FormatPAX})
	tw.Write([]byte("x"))
	tw.WriteHeader(&tar.Header{Name: "l", Linkname: "target/of/the/link", Typeflag: tar.TypeSymlink})
	tw.Close()
	r, err := testOpen(Tar, &b, nil, 0, "x.tar")
	if err != nil {
		t.Fatal(err)
	}
	var metas []string
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		metas = append(metas, e.Meta)
	}
	if len(metas) < 2 || !strings.Contains(metas[0], "a.txt\nrelease-bot\n") || !strings.Contains(metas[0], "comment=pax says hello\n") ||
		!strings.Contains(metas[1], "target/of/the/link\n") {
		t.Errorf("metadata: %q", metas)
	}
}
