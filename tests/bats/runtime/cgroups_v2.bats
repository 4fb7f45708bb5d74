#!/usr/bin/env bats
# Cgroups on a pure cgroup v2 host: one throwaway VM (tests/vm/vm-run) runs
# cgroups_v2_checks.sh, which prints "ok NAME" / "not ok NAME: detail" per check. Booting costs
# seconds and the guest runs ~15x slower under TCG, so the whole v2 path is one boot.

load ../helpers

# The checks the script must report as ok, in order (a missing one fails the test too).
EXPECTED_CHECKS=(
	"create with limits" "layout in state" "placement" "memory.max" "memory.low"
	"memory.swap.max = swap - limit" "memory.high (unified)" "cpu.max" "cpu.weight from shares"
	"cpuset.cpus" "pids.max" "device program: kmsg refused" "device program: /dev/null allowed"
	"update memory.max" "update cpu.max keeps the period" "update pids.max" "update cpu.weight"
	"update -r - memory.max" "update -r - memory.swap.max" "update -r - cpu.max keeps the quota"
	"update -r - unified" "v1-only key refused" "pause: state" "pause: cgroup.freeze"
	"pause: the counter stops" "resume: state" "resume: the counter goes on" "stats: memory limit"
	"stats: pids" "stats: cpu usage" "kill --all" "delete removes the cgroup"
	"pids limit stops a fork loop" "pids.current" "ps json" "events: oom" "the hog was killed"
	"stats: oom_kill" "events ends with the container" "unknown unified key"
	"nothing left after a failed create"
)

setup() {
	requires root vm
	setup_bundle
}

@test "cgroup v2 (VM): limits, device program, update, pause/resume, ps, pids, OOM events, delete" {
	run "$VM_RUN" --timeout 600 --share "$REPO_ROOT" -- \
		bash "$REPO_ROOT/tests/bats/runtime/cgroups_v2_checks.sh" "$RUNTIME_BIN" "$BUSYBOX_ROOTFS"
	echo "$output"
	assert_line "done"
	refute_output --partial "not ok"
	local c
	for c in "${EXPECTED_CHECKS[@]}"; do
		assert_line "ok $c"
	done
	assert_equal "$(grep -c '^ok ' <<<"$output")" "${#EXPECTED_CHECKS[@]}"
	assert_success
}
