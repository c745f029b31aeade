package detect

// Reference exposes the naive matcher to the external tests.
var Reference = reference

// Implementations lists the matcher's implementations for tests to run
// each: the AVX2 block scan (where the CPU has it) and pure Go.
func Implementations() []string {
	if useAVX2 {
		return []string{"avx2", "go"}
	}
	return []string{"go"}
}

// Use selects an implementation and returns a function restoring the default.
func Use(impl string) func() {
	old := useAVX2
	useAVX2 = impl == "avx2"
	return func() { useAVX2 = old }
}
