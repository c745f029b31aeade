module github.com/cratesguard/cratesguard

go 1.26.8

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/bmatcuk/doublestar/v4 v4.10.4
	github.com/owenrumney/go-sarif/v2 v2.3.3
)

require golang.org/x/net v0.62.0
