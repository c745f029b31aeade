package scan

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// digest is what a package's file must hash to, as its registry names it
// (npm's dist.integrity, PyPI's digests.sha256). A file is scanned as it
// streams, in one pass, and its digest compared at its end: a mismatch
// fails the target (the bytes scanned are not the file the registry
// published: tampered with or corrupted on the way), and whatever token
// was found in them is still reported (they were served, so they can be
// read by anyone who is served them).
type digest struct {
	algo string
	want []byte
	h    hash.Hash
	from string // who names it: "the packument's dist.integrity"
}

// newDigest is a check of algo (sha512, sha384, sha256, sha1) against
// want; nil when algo is none of them.
func newDigest(algo string, want []byte, from string) *digest {
	var h hash.Hash
	switch algo {
	case "sha512":
		h = sha512.New()
	case "sha384":
		h = sha512.New384()
	case "sha256":
		h = sha256.New()
	case "sha1":
		h = sha1.New()
	default:
		return nil
	}
	return &digest{algo: algo, want: want, h: h, from: from}
}

// reading hashes what is read from r, afresh (an attempt starts over).
func (d *digest) reading(r io.Reader) io.Reader {
	if d == nil {
		return r
	}
	d.h.Reset()
	return io.TeeReader(r, d.h)
}

// mismatch says why the bytes read are not the file named ("" when they
// are, when there is no digest to compare with, and when the file was cut
// at --max-bytes: its warning says so, and that its end was not scanned).
func (d *digest) mismatch(truncated bool) string {
	if d == nil || truncated {
		return ""
	}
	got := d.h.Sum(nil)
	if bytes.Equal(got, d.want) {
		return ""
	}
	return fmt.Sprintf("its %s (%s…) is not the one %s names (%s…): the bytes scanned are not the file the registry published (tampered with or corrupted on the way); tokens found in them are still reported",
		d.algo, hex.EncodeToString(got[:8]), d.from, hex.EncodeToString(d.want[:min(8, len(d.want))]))
}
