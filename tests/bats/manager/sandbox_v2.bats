#!/usr/bin/env bats
# Sandbox mode on a pure cgroup v2 host: one throwaway VM (vm-run, from the shared tools) runs
# sandbox_v2_checks.sh: `rbox system check` there, and a verdict's peak memory (memory.peak),
# CPU time (cpu.stat) and OOM kill (memory.events) read from v2 files.

load helpers

VM_RUN=
for c in "${RBOX_VM_RUN:-}" "$REPO_ROOT/../shared/tools/vm-run" /work/shared/tools/vm-run; do
	if [ -n "$c" ] && [ -x "$c" ]; then
		VM_RUN=$c
		break
	fi
done

EXPECTED_CHECKS=(
	"system check exits 0" "system check: v2" "system check: memory" "system check: cpu"
	"system check: pids" "report: exit code" "report: memory.peak" "report: cpu.stat"
	"report: pids peak or null" "OOM: exit 137" "OOM: report" "OOM: inspect" "cgroups removed"
)

@test "cgroup v2 (VM): system check, the report's memory peak, CPU time and OOM kill" {
	[ -n "$VM_RUN" ] || skip "vm-run not found (set RBOX_VM_RUN)"
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86 is not installed (make deps installs it)"
	ls /boot/vmlinuz-* >/dev/null 2>&1 ||
		skip "no kernel in /boot: linux-image-amd64 is not installed (make deps installs it)"
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
