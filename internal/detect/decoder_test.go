package detect

import "testing"

// TestEveryTriggerWakesADecoding: each pattern the vector search stops at
// is some decoding's trigger, and each decoding's triggers are searched
// for (Reset would panic on one that is not).
func TestEveryTriggerWakesADecoding(t *testing.T) {
	d := NewDecoder(func(Match) {})
	for j, decs := range d.byTrigger {
		if len(decs) == 0 {
			t.Errorf("the vector search stops at %q, which wakes no decoding", triggerList[j])
		}
	}
	seen := map[string]bool{}
	for _, tr := range triggerList {
		if seen[tr] {
			t.Errorf("%q is in two buckets", tr)
		}
		seen[tr] = true
	}
}
