#!/usr/bin/env bash
# The release's build step, as release.yml runs it and as .ci/run runs it on
# every change: static binaries for linux, darwin and windows on amd64 and
# arm64, their SHA256SUMS, and a CycloneDX SBOM of what went into them (from
# the Go module graph, by cyclonedx-gomod, pinned in go.mod as a tool).
#   .github/scripts/build-release.sh VERSION OUTDIR
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:?usage: build-release.sh VERSION OUTDIR}
out=${2:?usage: build-release.sh VERSION OUTDIR}
mkdir -p "$out"
for os in linux darwin windows; do
  for arch in amd64 arm64; do
    ext=""; [ "$os" = windows ] && ext=.exe
    CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
      -ldflags "-s -w -X github.com/cratesguard/cratesguard/internal/version.Version=${version}" \
      -o "$out/cratesguard-${version}-${os}-${arch}${ext}" ./cmd/cratesguard
  done
done
# The SBOM names the modules the binary is built from, each with its
# version and go.sum hash; -licenses off: no network.
go tool cyclonedx-gomod app -json -output "$out/cratesguard-${version}.cdx.json" -main cmd/cratesguard . 2>/dev/null
(cd "$out" && sha256sum -- cratesguard-* > SHA256SUMS)
# What is shipped runs, and says its version.
host="$out/cratesguard-${version}-$(go env GOOS)-$(go env GOARCH)"
[ -x "$host" ] && "$host" --version | grep -qx "cratesguard ${version}"
# The SBOM lists what the binary says it was built from.
go version -m "$host" | awk '$1 == "dep" {print $2}' | while read -r mod; do
  grep -q "\"pkg:golang/${mod}@" "$out/cratesguard-${version}.cdx.json" ||
    { echo "the SBOM does not list $mod" >&2; exit 1; }
done
echo "release build: $(ls "$out" | wc -l) files in $out"
