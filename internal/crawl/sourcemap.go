package crawl

import (
	"encoding/json"
	"sort"
)

// SourceMapIndex reads a source map as it streams past and records which
// byte ranges hold which original file's sourcesContent, so a token found in
// the map can name the source it came from. It is a small JSON state
// machine: nothing of the map is kept but the source names and the ranges.
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
	index    int    // element index inside a top-level array
	sources  map[int]string
	ranges   []srcRange
	newlines []int64 // \n escapes in the current sourcesContent string
}

type srcRange struct {
	start, end int64
	index      int
	newlines   []int64
}

// NewSourceMapIndex returns an empty index.
func NewSourceMapIndex() *SourceMapIndex { return &SourceMapIndex{sources: map[int]string{}} }

// Write feeds the next bytes of the map.
func (s *SourceMapIndex) Write(p []byte) (int, error) {
	for i, c := range p {
		o := s.off + int64(i)
		if s.inStr {
			switch {
			case s.esc:
				s.esc = false
				if c == 'n' && s.depth == 2 && s.key == "sourcesContent" {
					s.newlines = append(s.newlines, o)
				}
			case c == '\\':
				s.esc = true
			case c == '"':
				s.inStr = false
				s.endString(o)
				continue
			}
			if s.keep && len(s.str) < 4096 {
				s.str = append(s.str, c)
			}
			continue
		}
		switch c {
		case '"':
			s.inStr, s.strStart, s.str, s.newlines = true, o, s.str[:0], nil
			s.keep = s.depth == 1 || s.depth == 2 && s.key == "sources"
		case '{', '[':
			s.depth++
			if s.depth == 2 {
				s.index = 0
			}
		case '}', ']':
			s.depth--
		case ':':
			if s.depth == 1 {
				s.key = s.last
			}
		case ',':
			if s.depth == 2 {
				s.index++
			}
		}
	}
	s.off += int64(len(p))
	return len(p), nil
}

func (s *SourceMapIndex) endString(end int64) {
	switch {
	case s.depth == 1:
		s.last = s.decoded()
	case s.depth == 2 && s.key == "sources":
		s.sources[s.index] = s.decoded()
	case s.depth == 2 && s.key == "sourcesContent":
		s.ranges = append(s.ranges, srcRange{s.strStart, end, s.index, s.newlines})
	}
}

func (s *SourceMapIndex) decoded() string {
	var v string
	if json.Unmarshal(append(append([]byte{'"'}, s.str...), '"'), &v) != nil {
		return string(s.str)
	}
	return v
}

// Source returns the original file whose sourcesContent holds the byte at
// offset, and the line in that file, if any.
func (s *SourceMapIndex) Source(offset int64) (string, int, bool) {
	i := sort.Search(len(s.ranges), func(i int) bool { return s.ranges[i].end > offset })
	if i == len(s.ranges) || s.ranges[i].start > offset {
		return "", 0, false
	}
	r := s.ranges[i]
	name, ok := s.sources[r.index]
	if !ok {
		name = "source #" + itoa(r.index)
	}
	line := 1 + sort.Search(len(r.newlines), func(j int) bool { return r.newlines[j] >= offset })
	return name, line, true
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
