package findings

// NotOpened is the state of a target whose bytes were recognised as an
// archive or compressed stream that could not be opened: nothing of it
// was read, and nothing of it may be called scanned.
const NotOpened State = "not-opened"

// Unopened is a part of a target (the target itself, an archive's member,
// the rest of an archive after a cap) recognised as Format but not read
// to its end: encrypted, compressed in a way cratesguard does not decode,
// corrupt, cut at a bound. A target keeps the first MaxUnopened of them
// and counts all in UnopenedCount.
type Unopened struct {
	Part   string `json:"part"`
	Format string `json:"format"`
	Reason string `json:"reason"`
}

// MaxUnopened bounds the unopened parts a target lists.
const MaxUnopened = 50

// AddUnopened records a part of t not opened: listed up to MaxUnopened,
// counted always.
func (t *Target) AddUnopened(u Unopened) {
	if len(t.Unopened) < MaxUnopened {
		t.Unopened = append(t.Unopened, u)
	}
	t.UnopenedCount++
}

// MergeUnopened adds the parts o did not open to t's: listed up to
// MaxUnopened, counted always.
func (t *Target) MergeUnopened(o *Target) {
	for _, u := range o.Unopened {
		if len(t.Unopened) < MaxUnopened {
			t.Unopened = append(t.Unopened, u)
		}
	}
	t.UnopenedCount += o.UnopenedCount
}
