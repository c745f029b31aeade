package registrytest

import (
	"bytes"
	"compress/gzip"
	"io"
	"log"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var errNotFound = registry.ErrNotFound

func discard() *log.Logger { return log.New(io.Discard, "", 0) }

func typesOf(mt string) types.MediaType { return types.MediaType(mt) }

// Gzip is b gzipped.
func Gzip(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}
