package oci

import (
	"testing"
)

// FuzzConfigParts: whatever a registry serves as a config, splitting it
// never panics and never makes more text than a few times what came in
// (every line of a part is a value of the config).
func FuzzConfigParts(f *testing.F) {
	f.Add([]byte(`{"config":{"Env":["A=1"],"Cmd":["x"],"Labels":{"a":"b"}},"history":[{"created_by":"RUN x"}]}`))
	f.Add([]byte(`{"config":{"Env":"not a list","Labels":[1]},"history":{}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		total := 0
		for _, p := range ConfigParts(raw) {
			total += len(p.Text)
		}
		if total > 8*len(raw)+64 {
			t.Fatalf("%d bytes in, %d out", len(raw), total)
		}
	})
}
