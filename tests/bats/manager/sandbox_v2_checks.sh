#!/bin/bash
# sandbox_v2_checks.sh - runs INSIDE a pure cgroup v2 VM (tests/vm/vm-run),
# started by sandbox_v2.bats: rbox system check and the verdict's cgroup fields on v2
# (memory.peak, cpu.stat, memory.events oom_kill). Prints "ok NAME" / "not ok NAME: detail".
#   usage: sandbox_v2_checks.sh RBOX_BIN
set -u
RBOX=$1
export RBOX_ROOT=/tmp/rbox-v2/root RBOX_RUNROOT=/tmp/rbox-v2/run RBOX_CGROUP_PARENT=/rbox-v2
ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; }
check() { # NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected '$2', got '$3'"; fi
}

out=$("$RBOX" system check 2>&1)
rc=$?
check "system check exits 0" 0 "$rc"
if grep -qE '^PASS +cgroups +v2 \(unified\)' <<<"$out"; then ok "system check: v2"; else notok "system check: v2" "$out"; fi
for c in memory cpu pids; do
	if grep -qE "^PASS +cgroup $c +v2 controller" <<<"$out"; then ok "system check: $c"; else notok "system check: $c" "$out"; fi
done

rep=/tmp/rbox-v2/r.json
"$RBOX" run --rm --report "$rep" busybox sh -c 'dd if=/dev/zero of=/dev/null bs=20M count=1 2>/dev/null; sleep 0.2 & wait; exit 5' >/dev/null 2>&1
check "report: exit code" 5 "$(jq -r .exit_code "$rep")"
peak=$(jq -r .memory_peak_bytes "$rep")
if [ "$peak" != null ] && [ "$peak" -ge $((20 * 1024 * 1024)) ]; then ok "report: memory.peak"; else notok "report: memory.peak" "$peak"; fi
cpu=$(jq -r '.cpu_user_ns + .cpu_system_ns' "$rep")
if [ "$cpu" -gt 0 ]; then ok "report: cpu.stat"; else notok "report: cpu.stat" "$cpu"; fi
pids=$(jq -r .pids_peak "$rep")
if [ "$pids" = null ] || [ "$pids" -ge 2 ]; then ok "report: pids peak or null"; else notok "report: pids peak or null" "$pids"; fi

"$RBOX" run --name hog -m 8m --report "$rep" busybox sh -c 'tail /dev/zero' >/dev/null 2>&1
check "OOM: exit 137" 137 "$?"
check "OOM: report" true "$(jq -r .oom_killed "$rep")"
check "OOM: inspect" true "$("$RBOX" inspect hog | jq -r '.[0].State.OOMKilled')"
"$RBOX" rm hog >/dev/null
if [ -d /sys/fs/cgroup/rbox-v2 ] && [ -n "$(find /sys/fs/cgroup/rbox-v2 -mindepth 1 -type d)" ]; then
	notok "cgroups removed" "$(find /sys/fs/cgroup/rbox-v2)"
else
	ok "cgroups removed"
fi
echo done
