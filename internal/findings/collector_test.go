package findings

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

// TestPlacesWithinTheBudget: with more tokens than the place budget allows
// each its full count, every token keeps its first places in PlaceOrder
// (the same set whatever order the places arrive in), the occurrences
// count every place, and the report says the places were capped.
func TestPlacesWithinTheBudget(t *testing.T) {
	// Shares of 2 and of 20 places: kept in a list, and past keptSet in a
	// set too.
	t.Run("2 places", func(t *testing.T) {
		testPlacesWithinTheBudget(t, Limits{Findings: 100, Locations: 10, Places: 50, Targets: 10}, 2)
	})
	t.Run("20 places", func(t *testing.T) {
		testPlacesWithinTheBudget(t, Limits{Findings: 100, Locations: 40, Places: 400, Targets: 10}, 20)
	})
}

func testPlacesWithinTheBudget(t *testing.T, lim Limits, share int) {
	const tokens, places = 20, 30
	src := tokentest.New(7)
	type add struct {
		m   detect.Match
		loc Location
	}
	var adds []add
	for range tokens {
		tok := src.API()
		for p := range places {
			loc := Location{Target: fmt.Sprintf("dist/f%d.js", p%4), Line: 1 + p*7%places}
			adds = append(adds, add{detect.Match{Rule: "crates-io-api-token", Token: tok, Line: loc.Line, Column: 1}, loc})
		}
	}
	var first []*Finding
	for order := range 3 {
		r := rand.New(rand.NewPCG(uint64(order), 1))
		r.Shuffle(len(adds), func(i, j int) { adds[i], adds[j] = adds[j], adds[i] })
		c := NewCollectorWith(lim)
		for _, a := range adds {
			c.Add(a.m, a.loc)
		}
		rep := c.Report()
		if len(rep.Findings) != tokens {
			t.Fatalf("%d findings, want %d", len(rep.Findings), tokens)
		}
		for _, f := range rep.Findings {
			// The first Places/20 of the token's 30 places.
			var all []Location
			for _, a := range adds {
				if a.m.Token == f.Token.Reveal() {
					l := a.loc
					l.Line, l.Column, l.Column16, l.Length = a.m.Line, a.m.Column, a.m.Column16, len(a.m.Token)
					all = append(all, l)
				}
			}
			slices.SortFunc(all, PlaceOrder)
			if f.Occurrences != places || !slices.Equal(f.Locations, all[:share]) {
				t.Fatalf("order %d: %d occurrences, places %+v; want %d and %+v", order, f.Occurrences, f.Locations, places, all[:share])
			}
		}
		if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, fmt.Sprintf("each keeps its first %d places", share)) }) {
			t.Errorf("the cap on places is not reported: %q", rep.Warnings)
		}
		if order == 0 {
			first = rep.Findings
		} else {
			for i, f := range rep.Findings {
				if f.SHA256 != first[i].SHA256 || !slices.Equal(f.Locations, first[i].Locations) {
					t.Fatalf("order %d gives another report than order 0", order)
				}
			}
		}
	}
}
