#!/usr/bin/env bats
# A store with 1,000 containers: ps -a lists every one of them (it reads one small state file
# each and never calls rbox-runtime) and prune removes them all. How fast ps is lives in the
# benchmarks (make bench, scenario ps_1000), not here.

load helpers

@test "ps -a lists 1,000 containers, newest first; container prune removes them all" {
	# one container, so the built-in image exists before the parallel creates
	local first
	first=$(rbox create busybox true)
	seq 2 1000 | xargs -P 4 -I{} "$RBOX_BIN" create busybox true >/dev/null 3>&-
	local last
	last=$(rbox create --name the-last busybox true)
	run rbox ps -aq --no-trunc
	assert_equal "${#lines[@]}" 1001
	assert_equal "${lines[0]}" "$last"
	assert_equal "${lines[1000]}" "$first"
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" 1001
	run rbox ps -a --format json
	assert_equal "$(printf '%s\n' "${lines[@]}" | jq -r .Status | sort -u)" Created
	run rbox container prune -f
	assert_success
	assert_equal "${#lines[@]}" 1002
	run rbox ps -aq
	assert_output ""
}
