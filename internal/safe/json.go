package safe

import (
	"bytes"
	"encoding/json"
)

// JSON redacts every string of a JSON document, keys included, keeping its
// layout: the last line of defence for SARIF and --format json, whose fields are also
// sanitized where they are built. Control characters are already escaped
// by JSON itself.
func JSON(doc []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(doc))
	last := 0
	for i := 0; i < len(doc); i++ {
		if doc[i] != '"' {
			continue
		}
		j, esc := i+1, false
		for j < len(doc) && doc[j] != '"' {
			if doc[j] == '\\' {
				esc = true
				j++
			}
			j++
		}
		if j >= len(doc) {
			break // not JSON: leave the rest as it is
		}
		lit := doc[i : j+1]
		var s string
		if esc {
			if json.Unmarshal(lit, &s) != nil {
				i = j
				continue
			}
		} else {
			s = string(lit[1 : len(lit)-1])
		}
		if r := Redact(s); r != s {
			out.Write(doc[last:i])
			out.Write(quote(r))
			last = j + 1
		}
		i = j
	}
	if last == 0 {
		return doc
	}
	out.Write(doc[last:])
	return out.Bytes()
}

// quote encodes s as a JSON string without HTML escaping.
func quote(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}
