// Command filecorpus writes a large file of real minified JavaScript (the
// benchmark corpus, tiled) with tokens planted at even intervals, for the
// file benchmark (bench/file.sh). The tokens are made at run time and
// their number is printed; nothing token-shaped is committed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/cratesguard/cratesguard/internal/benchcorpus"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func main() {
	out := flag.String("o", "", "the file to write")
	size := flag.Int64("size", 270<<20, "its size in bytes (about)")
	tokens := flag.Int("tokens", 200, "tokens to plant")
	flag.Parse()
	corpus, err := benchcorpus.All()
	if err != nil {
		fmt.Fprintln(os.Stderr, "filecorpus:", err)
		os.Exit(1)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "filecorpus:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	src := tokentest.New(2026)
	every := *size / int64(*tokens+1)
	var written, next int64 = 0, every
	planted := 0
	for written < *size {
		for i := 0; i < len(corpus) && written < *size; {
			n := min(len(corpus)-i, int(min(next, *size)-written))
			w.Write(corpus[i : i+n])
			i += n
			written += int64(n)
			if written >= next {
				if planted < *tokens {
					s := fmt.Sprintf(";var registryToken=%q;", src.API())
					w.WriteString(s)
					written += int64(len(s))
					planted++
				}
				next += every
			}
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "filecorpus:", err)
		os.Exit(1)
	}
	f.Close()
	fmt.Println(planted)
}
