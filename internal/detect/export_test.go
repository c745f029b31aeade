package detect

// Reference exposes the naive matcher to the external tests.
var Reference = reference
