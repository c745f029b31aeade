package archive

import (
	"bytes"
	"context"
	"io"
	"testing"

	at "github.com/cratesguard/cratesguard/internal/archivetest"
)

// FuzzArchive: whatever bytes come, telling and opening them and reading
// every entry ends without a panic, each entry's content within what the
// reader is given to read (a bound the caller sets), and the session's
// memory given back. Seeds: one archive of each format.
func FuzzArchive(f *testing.F) {
	files := at.Files("a/b.txt", at.Filler(300), "c.txt", "hello\n")
	tarred := at.Tar(f, files)
	for _, seed := range [][]byte{
		tarred, at.Zip(f, files), at.Ar(files), at.Cpio(files),
		at.Compress(f, "gzip", tarred), at.Compress(f, "zstd", tarred), at.Compress(f, "xz", tarred),
		at.Compress(f, "lz4", tarred), at.Compress(f, "zlib", tarred),
		at.RPM(f, "gzip", files),
		append([]byte("#!/bin/sh\n"), at.Zip(f, files)...),
		[]byte("7z\xbc\xaf\x27\x1c\x00\x04"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defer func(r int) { ReadAhead = r }(ReadAhead)
		ReadAhead = 0
		budget := NewBudget(MaxWindow + nestedRoom)
		s := NewSession(context.Background(), budget)
		defer func() {
			s.Close()
			if !budget.sem.TryAcquire(budget.total) {
				t.Error("the session's memory was not given back")
			}
		}()
		k := Sniff(b[:min(len(b), SniffLen)])
		if k == None {
			if FindZip(bytes.NewReader(b), int64(len(b))) {
				k = Zip
			} else {
				return
			}
		}
		r, err := s.Open(k, bytes.NewReader(b), bytes.NewReader(b), int64(len(b)), "fuzz")
		if err != nil {
			return
		}
		defer r.Close()
		for n := 0; n < 1000; n++ {
			e, err := r.Next()
			if err != nil {
				return
			}
			if e.Body != nil {
				// 1 MiB a member: the scan's --max-bytes does the same.
				io.Copy(io.Discard, io.LimitReader(e.Body, 1<<20))
			}
		}
	})
}
