// Command imagebench serves an image for the image benchmark
// (bench/image.sh): a real registry (go-containerregistry's pkg/registry)
// on loopback, holding one image whose layers are the .tar.gz files named
// on the command line, pushed as they are. It prints the registry's
// host:port and the layers' digests, one a line, then serves until its
// standard input closes. `imagebench read URL...` is the baseline that uses
// cratesguard's own gzip decoder (klauspost/compress): it GETs each URL
// in turn and gunzips it to nowhere.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "read" {
		read(os.Args[2:])
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: imagebench REPO:TAG LAYER.tar.gz...")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	host := ln.Addr().String()
	var layers []v1.Layer
	for _, f := range os.Args[2:] {
		l, err := tarball.LayerFromFile(f) // gzip'd already: pushed as it is
		if err != nil {
			log.Fatal(err)
		}
		layers = append(layers, l)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		log.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/"+os.Args[1], name.Insecure)
	if err != nil {
		log.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		log.Fatal(err)
	}
	fmt.Println(host)
	for _, l := range layers {
		d, _ := l.Digest()
		fmt.Println(d)
	}
	io.Copy(io.Discard, os.Stdin)
}

func read(urls []string) {
	var n int64
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			log.Fatal(err)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			log.Fatal(err)
		}
		m, err := io.Copy(io.Discard, zr)
		if err != nil {
			log.Fatal(err)
		}
		n += m
		resp.Body.Close()
	}
	fmt.Println(n)
}
