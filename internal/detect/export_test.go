package detect

import "github.com/cratesguard/cratesguard/internal/simd"

// Reference exposes the naive matcher to the external tests.
var Reference = reference

// Implementations lists the matcher's implementations for tests to run
// each: the AVX2 block scan (where the CPU has it) and pure Go.
func Implementations() []string {
	if simd.AVX2 {
		return []string{"avx2", "go"}
	}
	return []string{"go"}
}

// Use selects an implementation and returns a function restoring the default.
func Use(impl string) func() {
	old := simd.AVX2
	simd.AVX2 = impl == "avx2"
	return func() { simd.AVX2 = old }
}
