#!/usr/bin/env bash
# End-to-end figures for BENCHMARKS.md: pipeline efficiency (HTTP/1.1 and
# HTTP/2), memory, start-up and scaling. Every figure is printed beside the
# baseline measured in the same run. Needs GNU time (/usr/bin/time) and npm
# (for the real-JavaScript corpus, cached after the first run).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/cratesguard" ./cmd/cratesguard
go build -o "$tmp/crawlbench" ./bench/crawlbench
cb() { "$tmp/crawlbench" -bin "$tmp/cratesguard" "$@"; }
get() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tr -d s; }
runs=${RUNS:-3}

echo "== 1. pipeline: 2,000 URLs of ~100 KB real JS, 20 ms added latency, --concurrency 32"
ideal=$(awk 'BEGIN{print 2000*0.020/32}')
echo "ideal wall time: 2000 x 20 ms / 32 = ${ideal}s; floor: the same run with 1 KB bodies"
for proto in "" -h2; do
  name=${proto:+HTTP/2 (TLS)}; name=${name:-HTTP/1.1}
  floor=$(cb -list -urls 2000 -latency 20ms -size 1000 $proto -- --concurrency 32 --per-host 32)
  for i in $(seq "$runs"); do
    line=$(cb -list -urls 2000 -latency 20ms $proto -- --concurrency 32 --per-host 32)
    w=$(get "$line" wall)
    printf '%-16s wall %6ss = %.3fx ideal (1 KB floor %ss = %.3fx)  cpu %ss  %s ms CPU/MB  rss %s MiB\n' "$name" "$w" \
      "$(awk -v a="$w" -v b="$ideal" 'BEGIN{print a/b}')" "$(get "$floor" wall)" \
      "$(awk -v a="$(get "$floor" wall)" -v b="$ideal" 'BEGIN{print a/b}')" "$(get "$line" cpu)" \
      "$(get "$line" cpu_ms_per_mb)" "$(get "$line" peak_rss_mib)"
  done
done

echo
echo "== 2. memory: peak RSS (GNU time), against a one-page scan in the same run"
base=$(get "$(cb -urls 2)" peak_rss_mib)
echo "baseline, a 2-URL site: $base MiB"
for spec in "-single 1073741824:1 GiB single response" "-single 2147483648:2 GiB single response" \
            "-urls 2000:2,000-URL crawl" "-urls 4000:4,000-URL crawl"; do
  args=${spec%%:*}; label=${spec#*:}
  line=$(cb $args)
  r=$(get "$line" peak_rss_mib)
  printf '%-26s %6s MiB = %.2fx baseline  (%s bytes scanned, wall %ss)\n' "$label" "$r" \
    "$(awk -v a="$r" -v b="$base" 'BEGIN{print a/b}')" "$(get "$line" bytes)" "$(get "$line" wall)"
done

echo
echo "== 3. start-up: process CPU time (user+sys from rusage) and wall time, best of 20, against /bin/true"
go build -o "$tmp/proctime" ./bench/proctime
ptime() { "$tmp/proctime" -n 20 "$@"; }
page=$(mktemp -d)
printf '<html><script src="/app.js"></script></html>' > "$page/index.html"
printf 'var a=1;' > "$page/app.js"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$page" > "$tmp/http.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$tmp" "$page"' EXIT
for i in $(seq 50); do port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/http.log" | head -1); [ -n "$port" ] && break; sleep 0.1; done
printf '%-40s %s\n' "/bin/true (baseline)" "$(ptime /bin/true)"
printf '%-40s %s\n' "cratesguard --version" "$(ptime "$tmp/cratesguard" --version)"
printf '%-40s %s\n' "cratesguard scan of a one-script page" "$(ptime "$tmp/cratesguard" scan "http://127.0.0.1:$port/")"

echo
echo "== 4. scaling: wall time and memory for 100, 1,000 and 10,000 URLs (~100 KB each, 20 ms latency, --concurrency 32)"
for n in 100 1000 10000; do
  line=$(cb -list -urls "$n" -latency 20ms -- --concurrency 32 --per-host 32)
  printf '%6s URLs  wall %7ss  per URL %6.2f ms  cpu %6ss  rss %s MiB\n' "$n" "$(get "$line" wall)" \
    "$(awk -v w="$(get "$line" wall)" -v n="$n" 'BEGIN{print w*1000/n}')" "$(get "$line" cpu)" "$(get "$line" peak_rss_mib)"
done
echo "sharded: 10,000 URLs split with --shard K/N (time of shard 1; each shard holds 1/N of the URLs)"
for n in 1 2 4; do
  line=$(cb -list -urls 10000 -latency 20ms -- --concurrency 32 --per-host 32 --shard "1/$n")
  printf '  N=%s  shard 1 wall %7ss  scanned %s\n' "$n" "$(get "$line" wall)" "$(get "$line" scanned)"
done
