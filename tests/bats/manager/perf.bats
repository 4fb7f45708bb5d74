#!/usr/bin/env bats
# rbox ps -a over 1,000 containers stays under 50 ms (it reads one small state file each and
# never calls rbox-runtime).

load helpers

@test "ps -a with 1,000 containers takes at most 50 ms" {
	# one container, so the built-in image exists before the parallel creates
	rbox create busybox true >/dev/null
	seq 2 1000 | xargs -P 4 -I{} "$RBOX_BIN" create busybox true >/dev/null 3>&-
	run rbox ps -aq
	assert_equal "${#lines[@]}" 1000
	# wall time of the binary alone (bash's time keyword: no extra process), best of 5
	local best=999999 i ms TIMEFORMAT=%R
	for i in 1 2 3 4 5; do
		ms=$({ time "$RBOX_BIN" ps -a >/dev/null; } 2>&1)
		ms=$((10#${ms/./}))
		[ "$ms" -lt "$best" ] && best=$ms
	done
	echo "# ps -a over 1000 containers: best of 5: $best ms" >&3
	[ "$best" -le 50 ]
	run rbox container prune -f
	assert_success
	assert_equal "${#lines[@]}" 1001
}
