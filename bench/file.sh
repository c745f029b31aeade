#!/usr/bin/env bash
# The file benchmark: `cratesguard scan FILE` on a large file of real
# minified JavaScript with tokens planted in it (bench/filecorpus; 270 MiB
# unless SIZE says otherwise), against ripgrep on the same file in the same
# run (`rg -a -c 'cio[a-zA-Z0-9]{32}'`, Debian's ripgrep), the page cache
# warm for both. Prints the best wall time of RUNS runs each, as a ratio
# (ripgrep's time over cratesguard's: 1.0 is as fast, above is faster), and
# checks that every planted token was found. Then the same bytes as a
# directory of files, against ripgrep searching the directory.
# BASELINE=REV (a git revision) also builds REV's binary and times it in
# the same rounds, interleaved: this build's time is printed as a ratio
# to REV's (below 1.0: faster).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rg >/dev/null || { echo "bench/file.sh needs ripgrep (Debian: apt-get install ripgrep)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the binary as it ships (Dockerfile, release): static, no cgo
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/cratesguard" ./cmd/cratesguard
go build -o "$tmp/proctime" ./bench/proctime
if [ -n "${BASELINE:-}" ]; then
  mkdir "$tmp/baseline-src"
  git archive "$BASELINE" | tar -x -C "$tmp/baseline-src"
  (cd "$tmp/baseline-src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/baseline" ./cmd/cratesguard)
fi
planted=$(go run ./bench/filecorpus -o "$tmp/big.js" -size "${SIZE:-283115520}")
# On disk before timing (else the kernel writes the new file back during
# the runs, on the cores being measured), then into the page cache.
sync "$tmp/big.js"
cat "$tmp/big.js" > /dev/null
size=$(stat -c %s "$tmp/big.js")
runs=${RUNS:-10}
found=$("$tmp/cratesguard" scan --format json "$tmp/big.js" | grep -c '"sha256"' || true)
[ "$found" = "$planted" ] || { echo "cratesguard found $found of $planted planted tokens" >&2; exit 1; }
# Runs interleave (ripgrep, then cratesguard on one core, then on two), so
# that a slower spell of the machine weighs on all three alike; each keeps
# its best wall time.
wall() { "$tmp/proctime" -n 1 "$@" | sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p'; }
for _ in $(seq "$runs"); do
  wall rg -a -c 'cio[a-zA-Z0-9]{32}' "$tmp/big.js" >> "$tmp/rg.ms"
  GOMAXPROCS=1 wall "$tmp/cratesguard" scan "$tmp/big.js" >> "$tmp/cg1.ms"
  GOMAXPROCS=2 wall "$tmp/cratesguard" scan "$tmp/big.js" >> "$tmp/cg2.ms"
  if [ -n "${BASELINE:-}" ]; then
    GOMAXPROCS=1 wall "$tmp/baseline" scan "$tmp/big.js" >> "$tmp/base1.ms"
    GOMAXPROCS=2 wall "$tmp/baseline" scan "$tmp/big.js" >> "$tmp/base2.ms"
  fi
done
best() { sort -g "$1" | head -1 | awk '{print $1/1000}'; }
median() { sort -g "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1000}'; }
rg_t=$(best "$tmp/rg.ms")
for procs in 1 2; do
  cg_t=$(best "$tmp/cg$procs.ms")
  awk -v s="$size" -v r="$rg_t" -v c="$cg_t" -v p="$procs" 'BEGIN {
    printf "GOMAXPROCS=%d  cratesguard %6.1f ms (%5.2f GB/s)   ripgrep %6.1f ms (%5.2f GB/s)   ratio %.2fx ripgrep\n",
      p, c*1000, s/c/1e9, r*1000, s/r/1e9, r/c }'
  if [ -n "${BASELINE:-}" ]; then
    awk -v c="$cg_t" -v b="$(best "$tmp/base$procs.ms")" -v cm="$(median "$tmp/cg$procs.ms")" -v bm="$(median "$tmp/base$procs.ms")" \
      -v p="$procs" -v rev="$BASELINE" 'BEGIN {
      printf "GOMAXPROCS=%d  this build %6.1f ms, %s %6.1f ms: %.3fx its time (best of each); medians %.1f and %.1f ms: %.3fx\n",
        p, c*1000, rev, b*1000, c/b, cm*1000, bm*1000, cm/bm }'
  fi
done
# A build directory: the same bytes as files of 1 MiB and of 100 KiB (a
# dist/ of chunks). ripgrep searches a directory on every core, as
# cratesguard does: both on two here.
for part in 1M 100K; do
  mkdir "$tmp/dir$part"
  split -b "$part" -a 5 "$tmp/big.js" "$tmp/dir$part/chunk-"
  cat "$tmp/dir$part"/* > /dev/null
  found=$("$tmp/cratesguard" scan --format json "$tmp/dir$part" | grep -c '"sha256"' || true)
  # a token cut by a file's end is no token: those go unfound by both
  want=$(rg -a -o -w --no-filename 'cio[a-zA-Z0-9]{32}' "$tmp/dir$part" | sort -u | wc -l)
  [ "$found" = "$want" ] || { echo "cratesguard found $found tokens in files of $part, ripgrep $want" >&2; exit 1; }
  rm -f "$tmp/rgd.ms" "$tmp/cgd.ms" "$tmp/based.ms"
  for _ in $(seq "$runs"); do
    wall rg -a -c 'cio[a-zA-Z0-9]{32}' "$tmp/dir$part" >> "$tmp/rgd.ms"
    GOMAXPROCS=2 wall "$tmp/cratesguard" scan "$tmp/dir$part" >> "$tmp/cgd.ms"
    if [ -n "${BASELINE:-}" ]; then
      GOMAXPROCS=2 wall "$tmp/baseline" scan "$tmp/dir$part" >> "$tmp/based.ms"
    fi
  done
  n=$(ls "$tmp/dir$part" | wc -l)
  awk -v n="$n" -v p="$part" -v r="$(best "$tmp/rgd.ms")" -v c="$(best "$tmp/cgd.ms")" 'BEGIN {
    printf "directory of %d files of %s: cratesguard %6.1f ms   ripgrep %6.1f ms   ratio %.2fx ripgrep\n", n, p, c*1000, r*1000, r/c }'
  if [ -n "${BASELINE:-}" ]; then
    awk -v c="$(best "$tmp/cgd.ms")" -v b="$(best "$tmp/based.ms")" -v cm="$(median "$tmp/cgd.ms")" -v bm="$(median "$tmp/based.ms")" \
      -v rev="$BASELINE" 'BEGIN {
      printf "  this build %6.1f ms, %s %6.1f ms: %.3fx its time (best of each); medians %.1f and %.1f ms: %.3fx\n",
        c*1000, rev, b*1000, c/b, cm*1000, bm*1000, cm/bm }'
  fi
done
peak() { CRATESGUARD_PEAK_RSS="$tmp/peak" "$tmp/cratesguard" scan "$1" >/dev/null || true; sed 's/[^0-9]//g' "$tmp/peak"; }
echo 'var a = 1;' > "$tmp/small.js"
awk -v b="$(peak "$tmp/small.js")" -v p="$(peak "$tmp/big.js")" -v d="$(peak "$tmp/dir100K")" 'BEGIN {
  printf "peak RSS %d MiB (%.1fx the %d MiB of a one-line file); the directory of 100 KiB files: %d MiB\n", p/1024, p/b, b/1024, d/1024 }'
echo "all $planted planted tokens found"
