package findings

import "slices"

// dropNotFound forgets the places of a token in the site's 404 page when
// it has others: a site-wide string on every page is on the 404 page too,
// and the 404 page is where a token is reported only when it is nowhere
// else. Its occurrences there are no longer counted.
func (f *Finding) dropNotFound() {
	notFound := func(l Location) bool { return l.Part == PartNotFound }
	n := 0
	for _, l := range f.Locations {
		if notFound(l) {
			n++
		}
	}
	if n == 0 || n == len(f.Locations) {
		return
	}
	f.Locations = slices.DeleteFunc(f.Locations, notFound)
	f.keys = nil // made again from the places (sortPlaces)
	f.Occurrences -= n
}
