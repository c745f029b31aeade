package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// rpm: a 96-byte lead, a signature header, the header, then the payload: a
// cpio archive compressed as the header's PAYLOADCOMPRESSOR tag says
// (zstd and xz today, gzip, bzip2 and LZMA in older ones). Headers are
// read as they stream, keeping only the tags wanted; their claimed sizes
// are bounded before anything is read past them.
func isRpm(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "\xed\xab\xee\xdb" }

const (
	rpmLeadLen      = 96
	maxRPMIndex     = 1 << 20 // index entries in a header
	maxRPMHeader    = 1 << 30 // bytes of a header's data
	tagPayloadCompr = 1125    // RPMTAG_PAYLOADCOMPRESSOR
	rpmString       = 6       // RPM_STRING_TYPE
)

func openRpm(s *Session, r io.Reader, _ io.ReaderAt, _ int64, _ string) (Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Discard(rpmLeadLen); err != nil {
		return nil, fmt.Errorf("its lead is cut short")
	}
	if _, err := rpmHeader(br, true); err != nil {
		return nil, fmt.Errorf("its signature header: %v", err)
	}
	compressor, err := rpmHeader(br, false)
	if err != nil {
		return nil, fmt.Errorf("its header: %v", err)
	}
	head, _ := br.Peek(SniffLen)
	k := Sniff(head)
	switch {
	case k == Cpio:
		return openCpio(s, br, nil, 0, "")
	case k.Stream():
		rc, release, err := s.decode(k, br)
		if err != nil {
			return nil, err
		}
		return &cpioReader{r: bufio.NewReaderSize(rc, 64<<10), close: func() { rc.Close(); release() }}, nil
	case compressor == "lzma":
		var h [13]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return nil, notOpened(Lzma, "its header is cut short")
		}
		rc, release, err := s.openLZMA(h[:5], br, int64(binary.LittleEndian.Uint64(h[5:])))
		if err != nil {
			return nil, err
		}
		return &cpioReader{r: bufio.NewReaderSize(rc, 64<<10), close: func() { rc.Close(); release() }}, nil
	}
	return nil, notOpened(Rpm, "its payload (compressor %q) is in no format cratesguard decodes", compressor)
}

// rpmHeader reads one header structure: magic, index, data. The
// signature header is padded to eight bytes. It returns the payload
// compressor named in the (main) header.
func rpmHeader(br *bufio.Reader, padded bool) (string, error) {
	var h [16]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return "", fmt.Errorf("cut short")
	}
	if string(h[:3]) != "\x8e\xad\xe8" {
		return "", fmt.Errorf("no header magic")
	}
	n, size := binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	if n > maxRPMIndex || size > maxRPMHeader {
		return "", fmt.Errorf("it claims %d entries and %d bytes, more than cratesguard reads (%d, %d)", n, size, maxRPMIndex, maxRPMHeader)
	}
	var want []uint32 // offsets of the compressor's string
	for range n {
		var e [16]byte
		if _, err := io.ReadFull(br, e[:]); err != nil {
			return "", fmt.Errorf("its index is cut short")
		}
		if binary.BigEndian.Uint32(e[:]) == tagPayloadCompr && binary.BigEndian.Uint32(e[4:]) == rpmString && len(want) < 1 {
			want = append(want, binary.BigEndian.Uint32(e[8:]))
		}
	}
	slices.Sort(want)
	var compressor string
	pos := uint32(0)
	for _, off := range want {
		if off < pos || off >= size {
			continue
		}
		if _, err := br.Discard(int(off - pos)); err != nil {
			return "", fmt.Errorf("its data is cut short")
		}
		pos = off
		b, _ := br.Peek(min(64, int(size-off)))
		if i := bytes.IndexByte(b, 0); i >= 0 {
			compressor = string(b[:i])
		}
	}
	skip := int64(size - pos)
	if padded {
		skip += int64((8 - (16+16*int64(n)+int64(size))%8) % 8)
	}
	if _, err := io.CopyN(io.Discard, br, skip); err != nil {
		return "", fmt.Errorf("its data is cut short")
	}
	return compressor, nil
}
