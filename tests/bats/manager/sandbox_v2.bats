#!/usr/bin/env bats
# Sandbox mode on a pure cgroup v2 host: one throwaway VM (tests/vm/vm-run) runs
# sandbox_v2_checks.sh: `rbox system check` there, and a verdict's peak memory (memory.peak),
# CPU time (cpu.stat) and OOM kill (memory.events) read from v2 files.

load helpers

EXPECTED_CHECKS=(
	"system check exits 0" "system check: v2" "system check: memory" "system check: cpu"
	"system check: pids" "report: exit code" "report: memory.peak" "report: cpu.stat"
	"report: pids peak or null" "OOM: exit 137" "OOM: report" "OOM: inspect" "cgroups removed"
)

@test "cgroup v2 (VM): system check, the report's memory peak, CPU time and OOM kill" {
	requires vm
	run "$VM_RUN" --timeout 600 --share "$REPO_ROOT" -- \
		bash "$REPO_ROOT/tests/bats/manager/sandbox_v2_checks.sh" "$RBOX_BIN"
	echo "$output"
	assert_line "done"
	refute_output --partial "not ok"
	local c
	for c in "${EXPECTED_CHECKS[@]}"; do
		assert_line "ok $c"
	done
	assert_success
}
