// Package textfile reads the line-based files users write for cratesguard
// (targets files, the ignore file): a UTF-8 byte-order mark is dropped,
// CRLF line ends are taken, and a line that is too long is an error naming
// the file and the line, never a silent cut. No line's content is ever put
// in an error: the files may hold secrets.
package textfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine is the longest line read.
const MaxLine = 64 << 10

// Lines calls fn for each line of r with its number (from 1). An error fn
// returns stops the reading and is returned as it is.
func Lines(r io.Reader, name string, fn func(n int, line string) error) error {
	br := bufio.NewReaderSize(r, MaxLine+1)
	for n := 1; ; n++ {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("%s:%d: the line is longer than %d KiB", name, n, MaxLine>>10)
		}
		if len(b) == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("%s:%d: %v", name, n, err)
		}
		line := strings.TrimRight(string(b), "\r\n")
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if ferr := fn(n, line); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, n+1, err)
		}
	}
}
