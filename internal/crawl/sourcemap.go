package crawl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
)

// SourceMapIndex reads a source map as it streams past. It records which
// byte ranges hold which original file's sourcesContent, so a token found
// in the map can name the source it came from; and it decodes the
// "mappings" as they pass, to find the original file and line of given
// places in the bundle the map belongs to (Want). It is a small JSON state
// machine, bounded whatever the map holds: source names up to maxSourceBytes,
// sourcesContent ranges and line breaks only for the last window bytes
// (matches are reported at most that far behind the stream), and nothing
// of the mappings but the answers.
type SourceMapIndex struct {
	off      int64
	depth    int
	inStr    bool
	esc      bool
	strStart int64
	str      []byte // the current string, when it may be a key or a source name
	keep     bool
	last     string // the last string at depth 1: a key when ':' follows
	key      string // the top-level key whose value is being read
	value    bool   // at depth 1, past the key's colon: a string is the value
	index    int    // element index inside a top-level array

	sources        map[int]string
	sourceBytes    int
	droppedSources int
	sourceRoot     string

	// ranges of sourcesContent strings, oldest first from rangesHead;
	// nl the offsets of \n escapes in them, from nlHead; nlBefore counts
	// the \n escapes dropped from the front of nl.
	ranges     []srcRange
	rangesHead int
	nl         []int64
	nlHead     int
	nlBefore   int
	nlTotal    int // \n escapes seen so far
	strNL      int // nlTotal when the current string began

	maps mappings
}

type srcRange struct {
	start, end int64
	index      int
	nlStart    int // nlTotal when the string began
}

// Limits of what an index keeps.
const (
	maxSourceBytes = 4 << 20   // source names kept, in bytes
	maxSourceNames = 100000    // and in number
	smWindow       = 256 << 10 // how far behind the stream a match may ask
	maxWants       = 10000     // places to look up in the mappings
)

// NewSourceMapIndex returns an empty index.
func NewSourceMapIndex() *SourceMapIndex { return &SourceMapIndex{sources: map[int]string{}} }

// Pos is a place in a bundle: 1-based line and 1-based column in UTF-16
// code units (as source maps count).
type Pos struct{ Line, Column int }

// Want asks the index to find, in the mappings, where these places of the
// bundle came from. Call it before writing; at most maxWants are kept.
func (s *SourceMapIndex) Want(ps []Pos) {
	ps = ps[:min(len(ps), maxWants)]
	s.maps.wants = append(s.maps.wants, ps...)
	s.maps.found = make([]mapped, len(s.maps.wants))
	sort.SliceStable(s.maps.wants, func(i, j int) bool { return s.maps.wants[i].Line < s.maps.wants[j].Line })
}

// Write feeds the next bytes of the map.
func (s *SourceMapIndex) Write(p []byte) (int, error) {
	for i, c := range p {
		o := s.off + int64(i)
		if s.inStr {
			switch {
			case s.esc:
				s.esc = false
				if c == 'n' && s.depth == 2 && s.key == "sourcesContent" {
					s.nl = append(s.nl, o)
					s.nlTotal++
				}
			case c == '\\':
				s.esc = true
			case c == '"':
				s.inStr = false
				s.endString(o)
				continue
			default:
				if s.depth == 1 && s.key == "mappings" && s.last == "mappings" {
					s.maps.feed(c)
				}
			}
			if s.keep && len(s.str) < 4096 {
				s.str = append(s.str, c)
			}
			continue
		}
		switch c {
		case '"':
			s.inStr, s.strStart, s.str, s.strNL = true, o, s.str[:0], s.nlTotal
			s.keep = s.depth == 1 || s.depth == 2 && s.key == "sources"
			if s.depth == 1 && s.value && s.key == "mappings" {
				s.maps.start()
			}
		case '{', '[':
			s.depth++
			if s.depth == 2 {
				s.index = 0
			}
		case '}', ']':
			s.depth--
		case ':':
			if s.depth == 1 {
				s.key, s.value = s.last, true
			}
		case ',':
			switch s.depth {
			case 1:
				s.value = false
			case 2:
				s.index++
			}
		}
	}
	s.off += int64(len(p))
	s.prune()
	return len(p), nil
}

// prune forgets ranges and line breaks more than smWindow behind the
// stream, compacting now and then so that the work stays linear.
func (s *SourceMapIndex) prune() {
	edge := s.off - smWindow
	for s.rangesHead < len(s.ranges) && s.ranges[s.rangesHead].end < edge {
		s.rangesHead++
	}
	for s.nlHead < len(s.nl) && s.nl[s.nlHead] < edge {
		s.nlHead++
		s.nlBefore++
	}
	if s.rangesHead > 1024 && s.rangesHead > len(s.ranges)/2 {
		s.ranges = append(s.ranges[:0], s.ranges[s.rangesHead:]...)
		s.rangesHead = 0
	}
	if s.nlHead > 1024 && s.nlHead > len(s.nl)/2 {
		s.nl = append(s.nl[:0], s.nl[s.nlHead:]...)
		s.nlHead = 0
	}
}

func (s *SourceMapIndex) endString(end int64) {
	switch {
	case s.depth == 1 && s.value:
		switch s.key {
		case "mappings":
			s.maps.end()
		case "sourceRoot":
			s.sourceRoot = s.decoded()
		}
	case s.depth == 1:
		s.last = s.decoded() // a key
	case s.depth == 2 && s.key == "sources":
		if len(s.sources) >= maxSourceNames || s.sourceBytes+len(s.str) > maxSourceBytes {
			s.droppedSources++
			return
		}
		name := s.decoded()
		s.sources[s.index] = name
		s.sourceBytes += len(name)
	case s.depth == 2 && s.key == "sourcesContent":
		s.ranges = append(s.ranges, srcRange{s.strStart, end, s.index, s.strNL})
	}
}

func (s *SourceMapIndex) decoded() string {
	if bytes.IndexByte(s.str, '\\') < 0 {
		return string(s.str) // nothing escaped: the bytes are the string
	}
	var v string
	if json.Unmarshal(append(append([]byte{'"'}, s.str...), '"'), &v) != nil {
		return string(s.str)
	}
	return v
}

// Source returns the original file whose sourcesContent holds the byte at
// offset, and the line in that file, if any (and if offset is within the
// window behind the stream).
func (s *SourceMapIndex) Source(offset int64) (string, int, bool) {
	rs := s.ranges[s.rangesHead:]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].end > offset })
	var r srcRange
	switch {
	case i < len(rs) && rs[i].start <= offset:
		r = rs[i]
	case s.inStr && s.depth == 2 && s.key == "sourcesContent" && offset >= s.strStart:
		r = srcRange{start: s.strStart, index: s.index, nlStart: s.strNL} // the string being read
	default:
		return "", 0, false
	}
	nl := s.nl[s.nlHead:]
	before := s.nlBefore + sort.Search(len(nl), func(j int) bool { return nl[j] >= offset })
	return s.sourceName(r.index), 1 + before - r.nlStart, true
}

func (s *SourceMapIndex) sourceName(i int) string {
	if name, ok := s.sources[i]; ok {
		return name
	}
	return "source #" + strconv.Itoa(i)
}

// Warnings says what the index passed over.
func (s *SourceMapIndex) Warnings() []string {
	if s.droppedSources == 0 {
		return nil
	}
	return []string{fmt.Sprintf("the source map lists more sources than are kept: %d names passed over (findings there name the source by number)", s.droppedSources)}
}

// Mapped is where a wanted place of the bundle came from.
type Mapped struct {
	Pos
	Source string // the original file, sourceRoot applied
	Line   int    // its line
}

// Resolve returns, after the whole map was written, the wanted places the
// mappings have a source for.
func (s *SourceMapIndex) Resolve() []Mapped {
	var out []Mapped
	for i, w := range s.maps.wants {
		f := s.maps.found[i]
		if !f.ok {
			continue
		}
		src := s.sourceName(f.src)
		if s.sourceRoot != "" {
			src = path.Join(s.sourceRoot, src)
		}
		out = append(out, Mapped{Pos: w, Source: src, Line: f.line + 1})
	}
	return out
}

// mappings decodes a source map's "mappings" one character at a time: only
// the running state of the current segment is kept.
type mappings struct {
	wants []Pos // sorted by line
	found []mapped
	next  int // first want on the current line or after
	on    bool
	bad   bool

	line         int // 0-based generated line
	col, src, ol int // running generated column, source index, original line
	field        int // which field of the segment is being read
	val, shift   int
}

type mapped struct {
	src, line int
	ok        bool
}

const b64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var b64Value [256]int8

func init() {
	for i := range b64Value {
		b64Value[i] = -1
	}
	for i := 0; i < len(b64Digits); i++ {
		b64Value[b64Digits[i]] = int8(i)
	}
}

func (m *mappings) start() {
	if len(m.wants) == 0 {
		return
	}
	m.on = true
}

func (m *mappings) feed(c byte) {
	if !m.on || m.bad {
		return
	}
	switch c {
	case ',', ';':
		m.endSegment()
		if c == ';' {
			m.line++
			m.col = 0
			for m.next < len(m.wants) && m.wants[m.next].Line-1 < m.line {
				m.next++
			}
			if m.next == len(m.wants) {
				m.on = false // nothing more to look up
			}
		}
		return
	}
	d := b64Value[c]
	if d < 0 {
		m.bad = true // not mappings as the spec has them: give up, find nothing more
		return
	}
	m.val |= int(d&31) << m.shift
	if d&32 != 0 {
		m.shift += 5
		return
	}
	n := m.val >> 1
	if m.val&1 == 1 {
		n = -n
	}
	m.val, m.shift = 0, 0
	switch m.field {
	case 0:
		m.col += n
	case 1:
		m.src += n
	case 2:
		m.ol += n
	}
	m.field++
}

// endSegment settles the segment just read against the wants on its line:
// the last segment starting at or before a wanted column maps it.
func (m *mappings) endSegment() {
	if m.field >= 4 {
		for i := m.next; i < len(m.wants) && m.wants[i].Line-1 == m.line; i++ {
			if m.col <= m.wants[i].Column-1 {
				m.found[i] = mapped{src: m.src, line: m.ol, ok: true}
			}
		}
	}
	m.field = 0
}

func (m *mappings) end() {
	if m.on {
		m.endSegment()
	}
	m.on = false
}
