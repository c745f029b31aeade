#!/usr/bin/env bash
# The encoded-token decoder on adversarial input: BenchmarkDecoderAdversarial
# scans 64 MB of each shape (nothing but candidates: %63, \u0063, &#99;, Y2l,
# "cio "…) through the matcher and the decoder, and 64 MB of plain text;
# each shape's time is printed as a ratio to plain text from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-3}
out=$(go test -run '^$' -bench '^BenchmarkDecoderAdversarial$' -benchtime "${BENCHTIME:-2x}" -count "$count" ./internal/detect/)
echo "$out" | grep -E '^(cpu|Benchmark)'
printf '\nbest of %s runs, 64 MB each:\n' "$count"
echo "$out" | awk '
  /^BenchmarkDecoderAdversarial\// {
    name=$1; sub(/^BenchmarkDecoderAdversarial\//, "", name); sub(/-[0-9]+$/, "", name)
    if (!(name in best) || $3 < best[name]) best[name] = $3
  }
  END {
    base = best["plain"]
    for (k in best) printf "  %-16s %8.0f ms  %5.1fx plain text  (limit: 5x + 1 s = %.0f ms)\n", k, best[k]/1e6, best[k]/base, (5*base+1e9)/1e6
  }' | sort
