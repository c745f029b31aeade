package registrytest

import (
	"io"
	"log"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var errNotFound = registry.ErrNotFound

func discard() *log.Logger { return log.New(io.Discard, "", 0) }

func typesOf(mt string) types.MediaType { return types.MediaType(mt) }
