package detect

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// EncBase64Gzip names tokens found in gzip-compressed text in base64.
const EncBase64Gzip = "gzip in base64"

// Limits of a gzip payload, each said in a note when it is hit.
const (
	gzMaxIn   = 1 << 20  // compressed bytes decoded from one payload's base64
	gzMaxOut  = 16 << 20 // bytes inflated from one payload
	gzMaxRuns = 1024     // payloads opened in one input
	// gzMinRun is the shortest run taken for a payload: the gzip of a
	// token is longer (a header, the deflated token, a trailer).
	gzMinRun = 64
)

// gzips is the decoding of gzip-compressed text in base64: a data: URI's
// payload (data:application/gzip;base64,H4sI…), a compressed blob in a
// JSON or YAML value. Its trigger is H4s, the base64 of gzip's magic
// bytes, at the start of a run; the run is read on, across buffers, up
// to gzMaxIn bytes, then inflated (up to gzMaxOut) and scanned for plain
// tokens, which are reported at the payload's first character.
type gzips struct {
	on               bool
	start            int64 // the payload's first character
	line, col, col16 int   // and its place
	next             int64 // the next character to read
	acc              uint
	bits             int
	comp             []byte
	runs             int
	zr               *gzip.Reader
	sc               Scanner
}

func (*gzips) triggers() []string { return []string{"H4s"} }

func (g *gzips) reset() {
	*g = gzips{comp: g.comp[:0], zr: g.zr, sc: g.sc}
}

func (g *gzips) try(d *Decoder, k int, final bool) int {
	b := d.buf
	if g.on || k > 0 && isB64[b[k-1]] || !hasAt(b, k, "H4sI") {
		return k + 1
	}
	for i := k; i < k+gzMinRun; i++ {
		if i == len(b) || b64Value[b[i]] < 0 {
			return k + 1
		}
	}
	if g.runs++; g.runs > gzMaxRuns {
		d.note(fmt.Sprintf("more than %d gzip payloads in base64: the rest were not opened", gzMaxRuns))
		return k + 1
	}
	g.on, g.start, g.next, g.acc, g.bits, g.comp = true, d.base+int64(k), d.base+int64(k), 0, 0, g.comp[:0]
	g.line, g.col, g.col16 = d.place(k)
	if g.follow(d, final) {
		d.startFollowing(g)
	}
	return k + 1
}

// follow decodes the payload's base64 on from where it stopped.
func (g *gzips) follow(d *Decoder, final bool) bool {
	b := d.buf
	for i := int(g.next - d.base); i < len(b); i++ {
		v := b64Value[b[i]]
		if v < 0 {
			g.next = d.base + int64(i)
			g.finish(d)
			return false
		}
		g.acc, g.bits = g.acc<<6|uint(v), g.bits+6
		if g.bits >= 8 {
			g.bits -= 8
			if len(g.comp) == gzMaxIn {
				g.next = d.base + int64(i)
				d.note(fmt.Sprintf("a gzip payload in base64 at byte %d is over %d MiB: only its first %d MiB were opened", g.start, gzMaxIn>>20, gzMaxIn>>20))
				g.finish(d)
				return false
			}
			g.comp = append(g.comp, byte(g.acc>>g.bits))
		}
	}
	g.next = d.base + int64(len(b))
	if final {
		if d.goesOn {
			d.note(fmt.Sprintf("a gzip payload in base64 at byte %d goes on past the part of the input scanned with it: opened up to byte %d", g.start, g.next))
		}
		g.finish(d)
		return false
	}
	return true
}

// finish inflates the payload and scans it.
func (g *gzips) finish(d *Decoder) {
	g.on = false
	r := bytes.NewReader(g.comp)
	if g.zr == nil {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return
		}
		g.zr = zr
	} else if g.zr.Reset(r) != nil {
		return
	}
	lim := &io.LimitedReader{R: g.zr, N: gzMaxOut + 1}
	g.sc.Scan(lim, func(m Match) {
		m.Encoding, m.Offset, m.Length = EncBase64Gzip, g.start, int(g.next-g.start)
		m.Line, m.Column, m.Column16 = g.line, g.col, g.col16
		d.emit(m)
	})
	if lim.N == 0 {
		d.note(fmt.Sprintf("a gzip payload in base64 at byte %d inflates to over %d MiB: only its first %d MiB were scanned", g.start, gzMaxOut>>20, gzMaxOut>>20))
	}
}
