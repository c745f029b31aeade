# cratesguard as a container action: a static binary on an empty image.
# The release workflow builds it for linux/amd64 and linux/arm64 and pushes
# it to GHCR; action.yml runs that image, so no job compiles anything.
# The Go version matches go.mod (a test checks it).
FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# The build line below is also run by TestStaticBinary, flag for flag.
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w -X github.com/cratesguard/cratesguard/internal/version.Version=${VERSION}" -o /out/cratesguard ./cmd/cratesguard

# No USER: GitHub runs container actions as the image's default user, and
# documents that a non-root user cannot write GITHUB_WORKSPACE. CA roots are
# compiled into the binary (golang.org/x/crypto/x509roots/fallback).
FROM scratch
LABEL org.opencontainers.image.source="https://github.com/cratesguard/cratesguard" \
      org.opencontainers.image.description="cratesguard: leaked crates.io tokens in what your deployments serve"
COPY --from=build /out/cratesguard /cratesguard
ENTRYPOINT ["/cratesguard"]
