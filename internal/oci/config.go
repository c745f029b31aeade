package oci

import (
	"encoding/json"
	"slices"
	"strings"
)

// Part is a piece of an image's config scanned on its own, so that a
// token's place says where it was: Env, Cmd, Entrypoint, Labels (the
// values an image keeps for anyone who pulls it), history (each layer's
// created_by, where a Dockerfile's ARG values show), and Name "" for the
// rest of the config.
type Part struct {
	Name string
	Text []byte
}

// ConfigParts splits an image's config JSON into its parts: one line per
// Env entry, Cmd and Entrypoint argument, label (KEY=value, sorted) and
// history entry. A config that is not the JSON expected is one part, as
// served.
func ConfigParts(raw []byte) []Part {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return []Part{{Text: raw}}
	}
	var parts []Part
	var cfg map[string]json.RawMessage
	if json.Unmarshal(top["config"], &cfg) == nil && cfg != nil {
		for _, k := range []string{"Env", "Cmd", "Entrypoint"} {
			var list []string
			if json.Unmarshal(cfg[k], &list) == nil && len(list) > 0 {
				parts = append(parts, Part{k, []byte(strings.Join(list, "\n") + "\n")})
				delete(cfg, k)
			}
		}
		var labels map[string]string
		if json.Unmarshal(cfg["Labels"], &labels) == nil && len(labels) > 0 {
			var lines []string
			for k, v := range labels {
				lines = append(lines, k+"="+v)
			}
			slices.Sort(lines)
			parts = append(parts, Part{"Labels", []byte(strings.Join(lines, "\n") + "\n")})
			delete(cfg, "Labels")
		}
		if b, err := json.Marshal(cfg); err == nil {
			top["config"] = b
		}
	}
	var history []map[string]json.RawMessage
	if json.Unmarshal(top["history"], &history) == nil && len(history) > 0 {
		var b strings.Builder
		for _, h := range history {
			var by string
			json.Unmarshal(h["created_by"], &by)
			delete(h, "created_by") // the rest of the entry stays in the rest
			b.WriteString(by)
			b.WriteByte('\n')
		}
		parts = append(parts, Part{"history", []byte(b.String())})
		if b, err := json.Marshal(history); err == nil {
			top["history"] = b
		}
	}
	rest, err := json.Marshal(top)
	if err != nil {
		rest = raw
	}
	return append(parts, Part{Text: rest})
}
