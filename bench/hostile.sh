#!/usr/bin/env bash
# Peak RSS of a real cratesguard process on each hostile input of the
# hostile-content issue (a page of 1,000,000 links, a source map with 16M
# sources or 21M empty sourcesContent strings, 1.8M distinct tokens, a 63 MB
# mappings string with --repo, 16 pages with a 63 MB attribute each), as a
# ratio to a one-page scan in the same run. The figures come from
# TestHostileMemoryIsBounded (cmd/cratesguard/hostile_memory_test.go), which
# also holds each to 128 MiB; the process reports its own VmHWM.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 -run '^TestHostileMemoryIsBounded$' -v ./cmd/cratesguard/ | grep -E 'peak|^(---|ok|FAIL)'
