package archive

import (
	"bytes"
	"io"
)

// An archive's end marker (tar's two zero blocks, cpio's TRAILER!!!) need
// not be the end of its bytes: what follows it in the stream or the file
// was never a member, and would go unread. Zeros (the padding tar writes
// to a record's end) are passed over, up to maxPadding; anything else is
// one more entry, so that no byte is called scanned without being read.
const (
	// AfterEnd names the entry of what follows an archive's end.
	AfterEnd   = "(after the end of the archive)"
	maxPadding = 1 << 20
)

// afterEnd reads what follows the end of the archive of kind k in r: nil
// and io.EOF when it is zeros or nothing, an entry for the rest, or a
// *NotOpenedError when more zeros than maxPadding follow.
func afterEnd(k Kind, r io.Reader) (*Entry, error) {
	buf := make([]byte, 32<<10)
	for zeros := 0; zeros <= maxPadding; {
		n, err := r.Read(buf)
		if i := bytes.IndexFunc(buf[:n], func(c rune) bool { return c != 0 }); i >= 0 {
			rest := io.MultiReader(bytes.NewReader(bytes.Clone(buf[i:n])), r)
			return &Entry{Name: AfterEnd, Body: rest}, nil
		}
		zeros += n
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, notOpened(k, "more than %s of zeros follow its end: the rest was not read", mib(maxPadding))
}
