#!/usr/bin/env bash
# Runs BenchmarkMatcher (real minified JS fetched with npm into a cache) and
# prints each matcher's throughput as a ratio to Go's regexp from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-5}
out=$(go test -run '^$' -bench '^BenchmarkMatcher$' -benchtime "${BENCHTIME:-1s}" -count "$count" ./internal/detect/)
echo "$out" | grep -E '^(cpu|Benchmark)'
echo "$out" | awk '
  /^BenchmarkMatcher\// {
    name=$1; sub(/^BenchmarkMatcher\//, "", name); sub(/-[0-9]+$/, "", name)
    for (i = 1; i <= NF; i++) if ($(i+1) == "MB/s") { sum[name] += $i; n[name]++ }
  }
  END {
    re = sum["regexp"] / n["regexp"]
    for (k in sum) printf "  %-22s %10.0f MB/s  %6.1fx regexp\n", k, sum[k]/n[k], (sum[k]/n[k])/re
  }' | sort > "${TMPDIR:-/tmp}/cratesguard-matcher.$$"
printf '\nmeans over %s runs, as multiples of regexp in the same run:\n' "$count"
cat "${TMPDIR:-/tmp}/cratesguard-matcher.$$"; rm -f "${TMPDIR:-/tmp}/cratesguard-matcher.$$"
