#!/usr/bin/env bash
# bench/ab.sh ROUNDS RUNS NAME=COMMAND... - interleaved A/B: in each of ROUNDS rounds, hyperfine
# runs every command RUNS times (-N, 2 warm-ups), one command after the other; prints each
# command's median over all rounds. For comparing two builds of the same thing side by side
# (docs/performance.md), e.g.
#   bench/ab.sh 8 15 "old=/tmp/old/bin/rbox run --rm busybox true" "new=build/bin/rbox run --rm busybox true"
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: bench/ab.sh ROUNDS RUNS NAME=COMMAND..." >&2; exit 2; }
rounds=$1 runs=$2
shift 2
tmp=$(mktemp -d /tmp/rbox-ab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < rounds; r++)); do
	i=0
	for c in "$@"; do
		hyperfine -N -w 2 -r "$runs" --style none --export-json "$tmp/one.json" "${c#*=}" >/dev/null
		jq -r '.results[0].times[] * 1000' "$tmp/one.json" >>"$tmp/$i"
		i=$((i + 1))
	done
done
i=0
for c in "$@"; do
	sort -n "$tmp/$i" | awk -v n="${c%%=*}" '{ a[NR] = $1 } END { printf "%-24s median %8.2f ms (%d runs)\n", n, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), NR }'
	i=$((i + 1))
done
