#!/usr/bin/env bash
# Crawl cost as the site grows: wall time, CPU and peak RSS of a real
# cratesguard process crawling loopback sites of 2 (baseline), 100, 1,000 and
# 2,000 URLs (pages plus ~100 KB scripts cut from real minified JS), with the
# ratio of each figure to the 2-URL baseline from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/cratesguard" ./cmd/cratesguard
go build -o "$tmp/crawlbench" ./bench/crawlbench
sizes=${SIZES:-"2 100 1000 2000"}
flags=${FLAGS:-"--concurrency 16"}
printf '%-6s %-8s %-8s %-10s %-10s %s\n' urls wall_s cpu_s rss_mib rss_x_base cpu_ms_per_mb
base_rss=""
for n in $sizes; do
  line=$("$tmp/crawlbench" -bin "$tmp/cratesguard" -urls "$n" -- $flags)
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  rss=$(get peak_rss_mib)
  [ -z "$base_rss" ] && base_rss=$rss
  printf '%-6s %-8s %-8s %-10s %-10s %s\n' "$n" "$(get wall)" "$(get cpu)" "$rss" \
    "$(awk -v a="$rss" -v b="$base_rss" 'BEGIN{printf "%.2f", a/b}')" "$(get cpu_ms_per_mb)"
done
