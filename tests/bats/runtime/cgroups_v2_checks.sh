#!/bin/bash
# cgroups_v2_checks.sh - runs INSIDE a pure cgroup v2 VM (tests/vm/vm-run),
# started by cgroups_v2.bats. One VM boot runs every check; each prints "ok NAME" or
# "not ok NAME: detail", and the bats test asserts on those lines.
#   usage: cgroups_v2_checks.sh RUNTIME_BIN ROOTFS
set -u
BIN=$1
SRC_ROOTFS=$2
W=/tmp/rbox-v2 # FIFOs and sockets do not work on the 9p share: state and bundles live here
ROOT=$W/state
mkdir -p "$W"
cp -a "$SRC_ROOTFS" "$W/rootfs"
BASE=$(dirname "$SRC_ROOTFS")/config.json
CG=/sys/fs/cgroup/rbox-v2
rt() { "$BIN" --root "$ROOT" "$@"; }

ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; }
# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "expected '$2', got '$3'"; fi
}

# bundle ID JQ-FILTER ARGS...: a bundle for container ID with process.args = ARGS
bundle() {
	local id=$1 filter=$2
	shift 2
	mkdir -p "$W/$id"
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	jq --arg root "$W/rootfs" --arg cg "rbox-v2/$id" --argjson args "$args" \
		".root.path = \$root | .linux.cgroupsPath = \$cg | .process.args = \$args | $filter" \
		"$BASE" >"$W/$id/config.json"
}

start() { # ID
	rt run -d -b "$W/$1" "$1" </dev/null >"$W/$1.out" 2>&1
}

status_of() { rt state "$1" 2>/dev/null | jq -r .status; }
pid_of() { rt state "$1" | jq -r .pid; }

wait_for() { # TRIES CMD...
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# --- limits at create, placement, devices --------------------------------------------------
bundle c1 '.linux.resources += {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296},
	"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"}, "pids": {"limit": 20},
	"unified": {"memory.high": "60000000"}}' \
	sh -c 'echo x > /dev/null; mknod /dev/kmsg2 c 1 11; (echo t > /dev/kmsg2) 2>/tmp/dev-err; i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done'
if start c1; then ok "create with limits"; else notok "create with limits" "$(cat "$W/c1.out")"; exit 1; fi
D=$CG/c1
check "layout in state" v2 "$(jq -r .cgroup.layout "$ROOT/c1/state.json")"
check "placement" "0::/rbox-v2/c1" "$(cat "/proc/$(pid_of c1)/cgroup")"
check "memory.max" 67108864 "$(cat $D/memory.max)"
check "memory.low" 33554432 "$(cat $D/memory.low)"
check "memory.swap.max = swap - limit" 33554432 "$(cat $D/memory.swap.max 2>&1)"
check "memory.high (unified)" 59998208 "$(cat $D/memory.high)"
check "cpu.max" "50000 100000" "$(cat $D/cpu.max)"
check "cpu.weight from shares" 20 "$(cat $D/cpu.weight)"
check "cpuset.cpus" 0 "$(cat $D/cpuset.cpus)"
check "pids.max" 20 "$(cat $D/pids.max)"
P=$(pid_of c1)
wait_for 50 test -s "/proc/$P/root/tmp/count"
check "device program: kmsg refused" "Operation not permitted" \
	"$(grep -o 'Operation not permitted' "/proc/$P/root/tmp/dev-err")"
check "device program: /dev/null allowed" "" "$(grep null "/proc/$P/root/tmp/dev-err")"

# --- update --------------------------------------------------------------------------------
rt update --memory 128m --cpu-quota 20000 --pids-limit 30 --cpu-share 1024 c1
check "update memory.max" 134217728 "$(cat $D/memory.max)"
check "update cpu.max keeps the period" "20000 100000" "$(cat $D/cpu.max)"
check "update pids.max" 30 "$(cat $D/pids.max)"
check "update cpu.weight" 39 "$(cat $D/cpu.weight)"
echo '{"memory": {"limit": 100663296, "swap": 150994944}, "cpu": {"period": 50000}, "unified": {"pids.max": "25"}}' |
	rt update --resources - c1
check "update -r - memory.max" 100663296 "$(cat $D/memory.max)"
check "update -r - memory.swap.max" 50331648 "$(cat $D/memory.swap.max)"
check "update -r - cpu.max keeps the quota" "20000 50000" "$(cat $D/cpu.max)"
check "update -r - unified" 25 "$(cat $D/pids.max)"
out=$(echo '{"memory": {"swappiness": 10}}' | rt update -r - c1 2>&1)
check "v1-only key refused" \
	"rbox-runtime: updating container \"c1\": linux.resources.memory.swappiness: not supported by this host (cgroup v1 only; this host has cgroup v2)" "$out"

# --- pause / resume ------------------------------------------------------------------------
rt pause c1
check "pause: state" paused "$(status_of c1)"
check "pause: cgroup.freeze" 1 "$(cat $D/cgroup.freeze)"
c1=$(cat "/proc/$P/root/tmp/count")
sleep 0.6
check "pause: the counter stops" "$c1" "$(cat "/proc/$P/root/tmp/count")"
rt resume c1
check "resume: state" running "$(status_of c1)"
# (read again on every try; the loop rewrites the file, so a read can find it empty)
counter_above() {
	local v
	v=$(cat "/proc/$P/root/tmp/count" 2>/dev/null)
	[ -n "$v" ] && [ "$v" -gt "$1" ]
}
if wait_for 100 counter_above "$c1"; then ok "resume: the counter goes on"; else notok "resume: the counter goes on" "stuck at $c1"; fi

# --- stats -----------------------------------------------------------------------------------
stats=$(rt events --stats c1)
check "stats: memory limit" 100663296 "$(jq -r .data.memory.usage.limit <<<"$stats")"
check "stats: pids" "true 25" "$(jq -r '"\(.data.pids.current >= 1) \(.data.pids.limit)"' <<<"$stats")"
check "stats: cpu usage" true "$(jq -r '.data.cpu.usage.total > 0' <<<"$stats")"

# --- kill --all, delete --------------------------------------------------------------------
rt kill --all c1 KILL
is_stopped() { [ "$(status_of "$1")" = stopped ]; }
if wait_for 100 is_stopped c1; then ok "kill --all"; else notok "kill --all" "$(status_of c1)"; fi
rt delete c1
if [ ! -e $D ] && [ ! -e $CG ]; then ok "delete removes the cgroup"; else notok "delete removes the cgroup" "$(ls -d $D $CG 2>&1)"; fi

# --- pids limit stops a fork loop ----------------------------------------------------------
bundle c2 '.linux.resources.pids = {"limit": 8}' \
	sh -c '(for i in $(seq 30); do sleep 1000 & done) 2>/tmp/err; touch /tmp/done; exec sleep 1000'
start c2 || { notok "create c2" "$(cat "$W/c2.out")"; exit 1; }
P=$(pid_of c2)
wait_for 100 test -e "/proc/$P/root/tmp/done"
n=$(rt ps --format json c2 | jq length)
if [ "$n" -le 8 ] && grep -q "can't fork" "/proc/$P/root/tmp/err"; then ok "pids limit stops a fork loop"; else notok "pids limit stops a fork loop" "$n processes"; fi
check "pids.current" "$n" "$(cat $CG/c2/pids.current)"
# the orphaned sleeps belong to the init: ps lists exactly the init and its children
expected=$( (echo "$P"; tr ' ' '\n' <"/proc/$P/task/$P/children") | grep . | sort -n | jq -s -c .)
check "ps json" "$expected" "$(rt ps --format json c2)"
rt delete --force c2

# --- OOM: the hog is killed and events says so ---------------------------------------------
bundle c3 '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}' \
	sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; echo "dd=$?" > /tmp/dd; sleep 1000'
start c3 || { notok "create c3" "$(cat "$W/c3.out")"; exit 1; }
P=$(pid_of c3)
rt events --interval 1s c3 >"$W/events" 2>&1 &
EPID=$!
wait_for 100 grep -q '"type":"stats"' "$W/events"
touch "/proc/$P/root/tmp/go"
if wait_for 200 grep -q '"type":"oom"' "$W/events"; then ok "events: oom"; else notok "events: oom" "$(cut -c1-200 "$W/events")"; fi
wait_for 100 test -e "/proc/$P/root/tmp/dd"
check "the hog was killed" "dd=137" "$(cat "/proc/$P/root/tmp/dd")"
check "stats: oom_kill" true "$(rt events --stats c3 | jq -r '.data.memory.oom_kill >= 1')"
rt delete --force c3
wait "$EPID"
check "events ends with the container" 0 "$?"

# --- errors ----------------------------------------------------------------------------------
bundle c4 '.linux.resources.unified = {"no.such": "1"}' true
check "unknown unified key" \
	"rbox-runtime: linux.resources.unified[\"no.such\"]: not supported by this host (no no.such in $CG/c4)" \
	"$(rt run -b "$W/c4" c4 2>&1)"
check "nothing left after a failed create" "" "$(ls $CG 2>&1 | grep -v 'No such'; rt list -q)"
echo "done"
