# cratesguard as a container action: a static binary on an empty image.
# The Go version matches go.mod (a test checks it).
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The build line below is also run by TestStaticBinary, flag for flag.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/cratesguard/cratesguard/internal/version.Version=${VERSION}" -o /out/cratesguard ./cmd/cratesguard

# No USER: GitHub runs container actions as the image's default user, and
# documents that a non-root user cannot write GITHUB_WORKSPACE. CA roots are
# compiled into the binary (golang.org/x/crypto/x509roots/fallback).
FROM scratch
COPY --from=build /out/cratesguard /cratesguard
ENTRYPOINT ["/cratesguard"]
