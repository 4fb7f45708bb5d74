#!/usr/bin/env bats
# Cgroups on this host's layout (v1, hybrid or pure v2: helpers.bash cgroup_layout, cgroup_dir_of):
# placement, limits, update, pause/resume, ps, events (stats and OOM), and the errors for keys the
# host lacks. Tests that read v1 file names require cgroup_v1; the v2 path of those runs in a VM
# (cgroups_v2.bats), the rest run natively on any layout.

load ../helpers

setup() {
	requires root cgroup
	setup_bundle
}

# The container's own cgroup path in a v1 hierarchy, as /proc/PID/cgroup shows it.
proc_cgroup_of() { # PID CONTROLLER
	awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup"
}

# Run the container detached and wait until it runs.
start_detached() {
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_equal "$(container_status "$CTR_ID")" running
}

# The error is exactly one line on stderr containing TEXT.
assert_one_line_error() { # TEXT
	assert_failure
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
	assert_output --partial "$1"
}

@test "cgroups: nested under the caller's cgroup in every hierarchy, removed by delete" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	start_detached
	local pid ctrl own
	pid=$(container_pid "$CTR_ID")
	for ctrl in memory pids cpu cpuacct cpuset freezer devices blkio; do
		own=$(proc_cgroup_of $$ "$ctrl")
		assert_equal "$(proc_cgroup_of "$pid" "$ctrl")" "${own%/}/$CG_PREFIX/$CTR_ID"
		assert_dir_exists "$(cgroup_dir_of "$ctrl" "$CTR_ID")"
	done
	# the hybrid host's cgroup2 mount holds it too
	own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	assert_equal "$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")" "${own%/}/$CG_PREFIX/$CTR_ID"
	# the memory cgroup sits under the supervisor's one (not at the hierarchy root)
	assert [ "$(proc_cgroup_of $$ memory)" != / ]
	runtime delete --force "$CTR_ID"
	for ctrl in memory pids cpu freezer devices blkio; do
		assert_dir_not_exists "$(cgroup_dir_of "$ctrl" "$CTR_ID")"
	done
}

@test "cgroups: without cgroupsPath, <own>/rbox-runtime/<id>; the last container out removes the shared parent" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	local ctrl own parents=()
	for ctrl in memory pids freezer; do
		own=$(proc_cgroup_of $$ "$ctrl")
		parents+=("/sys/fs/cgroup/$ctrl${own%/}/rbox-runtime")
	done
	local p
	for p in "${parents[@]}"; do
		# another user of the default parent on this machine would make the last check moot
		[ ! -e "$p" ] || skip "$p exists already (another container uses the default parent)"
	done
	update_config 'del(.linux.cgroupsPath)'
	run_bg run -d -b "$BUNDLE" "$CTR_ID-a"
	assert_success
	run_bg run -d -b "$BUNDLE" "$CTR_ID-b"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID-b")
	own=$(proc_cgroup_of $$ pids)
	assert_equal "$(proc_cgroup_of "$pid" pids)" "${own%/}/rbox-runtime/$CTR_ID-b"
	# a created the parent but leaves first: the parent stays for b
	runtime delete --force "$CTR_ID-a"
	for p in "${parents[@]}"; do
		assert_dir_exists "$p/$CTR_ID-b"
		assert_dir_not_exists "$p/$CTR_ID-a"
	done
	# b did not create it, but it is the last one out
	runtime delete --force "$CTR_ID-b"
	for p in "${parents[@]}"; do
		assert_dir_not_exists "$p"
	done
}

@test "cgroups: an absolute cgroupsPath starts at each hierarchy's root and is removed by delete" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	local top="rbox-abs-$$-$RANDOM"
	update_config '.linux.cgroupsPath = $p' --arg p "/$top/ctr"
	start_detached
	local pid
	pid=$(container_pid "$CTR_ID")
	assert_equal "$(proc_cgroup_of "$pid" memory)" "/$top/ctr"
	assert_equal "$(proc_cgroup_of "$pid" pids)" "/$top/ctr"
	assert_dir_exists "/sys/fs/cgroup/pids/$top/ctr"
	runtime delete --force "$CTR_ID"
	# both components were created by the runtime: both are gone
	local d leftover=
	for d in /sys/fs/cgroup/*/"$top"; do
		[ -d "$d" ] && leftover+=" $d" && rmdir "$d"/ctr "$d" 2>/dev/null
	done
	assert_equal "$leftover" ""
}

@test "cgroups: containers starting and ending at once under one shared parent all run; their cgroups go" {
	# The last container out removes the parent it made; the next one in makes it again. One
	# create can find the parent gone between its mkdirs, several times in a row: it must retry,
	# never fail ("parent kept disappearing").
	local w k pids=()
	jq --arg cg "$CG_PREFIX/churn/ctr" '.process.args = ["true"]' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/base.json"
	for w in $(seq 12); do
		(
			for k in $(seq 8); do
				mkdir -p "$BATS_TEST_TMPDIR/b$w-$k"
				jq --arg cg "$CG_PREFIX/churn/w$w-$k" '.linux.cgroupsPath = $cg' "$BATS_TEST_TMPDIR/base.json" \
					>"$BATS_TEST_TMPDIR/b$w-$k/config.json"
				"$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BATS_TEST_TMPDIR/b$w-$k" "$CTR_ID-$w-$k" </dev/null ||
					exit 1
			done
		) >"$BATS_TEST_TMPDIR/out$w" 2>&1 3>&- &
		pids+=($!)
	done
	for w in "${!pids[@]}"; do
		wait "${pids[$w]}" || fail "worker $((w + 1)): $(cat "$BATS_TEST_TMPDIR/out$((w + 1))")"
	done
	# every container's own cgroup is gone; the shared parent may stay (as runc leaves it: only
	# the default parent has a last-one-out rule) and is the test's to remove
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		[ -d "$d" ] || continue
		run find "$d" -maxdepth 6 -type d -path "*/$CG_PREFIX/churn/*"
		assert_output ""
		find "$d" -maxdepth 6 -depth -type d -path "*/$CG_PREFIX/churn" -exec rmdir {} \; 2>/dev/null || true
	done
}

@test "cgroups: concurrent containers under a new shared parent all get a cpuset" {
	# One of them creates the shared parent; the others must not copy its cpuset before the
	# creator has filled it (an empty cpuset refuses every process: ENOSPC).
	local round i pids gate="$BATS_TEST_TMPDIR/gate"
	for round in 1 2 3 4 5; do
		local parent="$CG_PREFIX/shared$round"
		pids=()
		rm -f "$gate"
		mkfifo "$gate"
		for i in 1 2 3 4 5 6 7 8; do
			jq --arg cg "$parent/c$i" '.linux.cgroupsPath = $cg | .process.args = ["true"]' \
				"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/c$round-$i.json"
			mkdir -p "$BATS_TEST_TMPDIR/b$round-$i"
			cp "$BATS_TEST_TMPDIR/c$round-$i.json" "$BATS_TEST_TMPDIR/b$round-$i/config.json"
			# all eight wait on the gate, then start together
			(
				read -r _ <"$gate" || true
				exec "$RUNTIME_BIN" --root "$STATE_ROOT" run -b "$BATS_TEST_TMPDIR/b$round-$i" \
					"$CTR_ID-$round-$i" </dev/null
			) >"$BATS_TEST_TMPDIR/out$round-$i" 2>&1 3>&- &
			pids+=($!)
		done
		sleep 0.2
		: >"$gate"
		for i in "${!pids[@]}"; do
			wait "${pids[$i]}" || fail "run $((i + 1)) of round $round: $(cat "$BATS_TEST_TMPDIR/out$round-$((i + 1))")"
		done
	done
	# every leaf is gone; the shared parents are the test's to remove
	local d
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
		run find "$d" -maxdepth 5 -type d -path "*/$CG_PREFIX/shared*/c*"
		assert_output ""
		find "$d" -maxdepth 5 -depth -type d -path "*/$CG_PREFIX/shared*" -exec rmdir {} \; 2>/dev/null || true
	done
}

@test "cgroups: an existing cgroup with processes: a warning, the container joins it, never removes it" {
	start_detached
	local first=$CTR_ID
	CTR_ID="$first-b"
	update_config '.linux.cgroupsPath = $p' --arg p "$CG_PREFIX/$first"
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_output --partial "already has processes: the container joins them"
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
	local pid
	pid=$(container_pid "$CTR_ID")
	assert_equal "$(proc_cgroup_of "$pid" pids)" "$(proc_cgroup_of "$(container_pid "$first")" pids)"
	# stopped and deleted: the cgroup it did not create stays, with the first container in it
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 eval '[ "$(container_status "$CTR_ID")" = stopped ]'
	run runtime delete "$CTR_ID"
	assert_success
	assert_dir_exists "$(cgroup_dir_of pids "$first")"
	assert_dir_exists "$(cgroup_dir_of memory "$first")"
	assert_equal "$(container_status "$first")" running
}

# run -d, but a hang (a frozen init) becomes a failure instead of a stuck suite
run_d_bounded() {
	local out="$BATS_TEST_TMPDIR/bg.$RANDOM"
	status=0
	timeout 60 "$RUNTIME_BIN" --root "$STATE_ROOT" run -d -b "$BUNDLE" "$CTR_ID" \
		</dev/null >"$out" 2>&1 3>&- || status=$?
	output=$(cat "$out")
}

@test "cgroups: a frozen existing cgroup, or one under a frozen parent, is refused (not a hang)" {
	local fz
	fz=$(cgroup_dir_of freezer "$CTR_ID")
	mkdir -p "$fz"
	echo FROZEN >"$fz/freezer.state"
	run_d_bounded
	echo THAWED >"$fz/freezer.state"
	assert_one_line_error "cgroup $fz is frozen: thaw it or choose another linux.cgroupsPath"
	assert_equal "$(ls -A "$STATE_ROOT")" ""
	# what the runtime created went again; the frozen cgroup it did not create stays
	assert_dir_not_exists "$(cgroup_dir_of memory "$CTR_ID")"
	assert_dir_not_exists "$(cgroup_dir_of pids "$CTR_ID")"
	assert_dir_exists "$fz"
	rmdir "$fz"
	# a new cgroup under a frozen parent is frozen too
	update_config '.linux.cgroupsPath = $p' --arg p "$CG_PREFIX/$CTR_ID/child"
	mkdir -p "$fz"
	echo FROZEN >"$fz/freezer.state"
	run_d_bounded
	echo THAWED >"$fz/freezer.state"
	assert_one_line_error "cgroup $fz/child is frozen"
	assert_dir_not_exists "$fz/child"
	assert_dir_not_exists "$(cgroup_dir_of memory "$CTR_ID")"
	rmdir "$fz"
	# the cgroup2 freezer (here the hybrid host's unified mount): cgroup.freeze
	local own uni
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	uni="/sys/fs/cgroup/unified${own%/}/$CG_PREFIX/$CTR_ID"
	[ -d /sys/fs/cgroup/unified ] || return 0
	update_config '.linux.cgroupsPath = $p' --arg p "$CG_PREFIX/$CTR_ID"
	mkdir -p "$uni"
	echo 1 >"$uni/cgroup.freeze"
	run_d_bounded
	echo 0 >"$uni/cgroup.freeze"
	assert_one_line_error "cgroup $uni is frozen"
	assert_dir_not_exists "$(cgroup_dir_of memory "$CTR_ID")"
	rmdir "$uni"
}

@test "cgroups: what the runtime created is removed even when the init died early; the rest stays" {
	# the pids cgroup exists already (empty): used, never removed
	local pids
	pids=$(cgroup_dir_of pids "$CTR_ID")
	mkdir -p "$pids"
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	local pid
	pid=$(container_pid "$CTR_ID")
	assert_equal "$(proc_cgroup_of "$pid" pids)" "${pids#/sys/fs/cgroup/pids}"
	kill -9 "$pid"
	wait_for 50 0.1 eval '[ "$(container_status "$CTR_ID")" = stopped ]'
	run runtime delete "$CTR_ID"
	assert_success
	assert_output ""
	assert_dir_not_exists "$(cgroup_dir_of memory "$CTR_ID")"
	assert_dir_not_exists "$(cgroup_dir_of freezer "$CTR_ID")"
	assert_dir_exists "$pids"
	rmdir "$pids"
}

@test "memory: the limit is set and enforced; the OOM kill shows in events" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	update_config '.linux.resources.memory = {"limit": 33554432}'
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; echo "dd=$?" > /tmp/dd; sleep 1000'
	start_detached
	assert_equal "$(cat "$(cgroup_dir_of memory "$CTR_ID")/memory.limit_in_bytes")" 33554432
	local ev="$BATS_TEST_TMPDIR/events"
	runtime events --interval 1s "$CTR_ID" >"$ev" 2>&1 3>&- &
	local epid=$!
	# the first stats event comes once the OOM notification is registered
	wait_for 50 0.1 grep -q '"type":"stats"' "$ev"
	local pid
	pid=$(container_pid "$CTR_ID")
	touch "/proc/$pid/root/tmp/go"
	wait_for 50 0.1 grep -q '"type":"oom"' "$ev"
	# the hog died of SIGKILL (128+9), the container's init survived
	wait_for 50 0.1 test -e "/proc/$pid/root/tmp/dd"
	assert_equal "$(cat "/proc/$pid/root/tmp/dd")" "dd=137"
	run jq -c 'select(.type == "oom")' "$ev"
	assert_output "{\"type\":\"oom\",\"id\":\"$CTR_ID\"}"
	run runtime events --stats "$CTR_ID"
	assert_success
	assert_equal "$(jq -r .type <<<"$output")" stats
	assert_equal "$(jq -r .data.memory.usage.limit <<<"$output")" 33554432
	assert [ "$(jq -r .data.memory.usage.failcnt <<<"$output")" -gt 0 ]
	assert [ "$(jq -r .data.memory.oom_kill <<<"$output")" -ge 1 ]
	# events ends when the container stops
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 eval "! kill -0 $epid 2>/dev/null"
	wait "$epid"
}

@test "memory: reservation, swap (memsw), swappiness and disableOOMKiller" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432,
		"swap": 100663296, "swappiness": 10, "disableOOMKiller": true}'
	start_detached
	local d
	d=$(cgroup_dir_of memory "$CTR_ID")
	assert_equal "$(cat "$d/memory.limit_in_bytes")" 67108864
	assert_equal "$(cat "$d/memory.soft_limit_in_bytes")" 33554432
	assert_equal "$(cat "$d/memory.memsw.limit_in_bytes")" 100663296
	assert_equal "$(cat "$d/memory.swappiness")" 10
	run grep oom_kill_disable "$d/memory.oom_control"
	assert_output "oom_kill_disable 1"
	# a swap (memory+swap) limit below the memory limit is refused
	runtime delete --force "$CTR_ID"
	update_config '.linux.resources.memory = {"limit": 67108864, "swap": 1048576}'
	config_is_invalid
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_one_line_error "linux.resources.memory.swap: 1048576 is below memory.limit 67108864"
}

@test "memory: the limit is in the container's cgroup on any layout (memory.max or memory.limit_in_bytes)" {
	update_config '.linux.resources.memory = {"limit": 33554432}'
	start_detached
	assert_equal "$(cgroup_memory_limit "$CTR_ID")" 33554432
	assert_equal "$(cat "$(cgroup_dir_of memory "$CTR_ID")/cgroup.procs")" "$(container_pid "$CTR_ID")"
	runtime update --memory 64m "$CTR_ID"
	assert_equal "$(cgroup_memory_limit "$CTR_ID")" 67108864
	runtime delete --force "$CTR_ID"
	assert_dir_not_exists "$(cgroup_dir_of memory "$CTR_ID")"
}

@test "pids: the limit stops a fork loop" {
	update_config '.linux.resources.pids = {"limit": 8}'
	# ash gives up at the first failed fork: the loop runs in a subshell, the init goes on
	set_args sh -c '(for i in $(seq 30); do sleep 1000 & done) 2>/tmp/err; touch /tmp/done; exec sleep 1000'
	start_detached
	local pid n
	pid=$(container_pid "$CTR_ID")
	wait_for 50 0.1 test -e "/proc/$pid/root/tmp/done"
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 8
	run cat "/proc/$pid/root/tmp/err"
	assert_output --partial "can't fork"
	# the init and the sleeps that fit under the limit
	run runtime ps --format json "$CTR_ID"
	n=$(jq length <<<"$output")
	assert [ "$n" -ge 5 ]
	assert [ "$n" -le 8 ]
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.current")" "$n"
	run runtime events --stats "$CTR_ID"
	assert_equal "$(jq -c '.data.pids | {current, limit}' <<<"$output")" "{\"current\":$n,\"limit\":8}"
	# pids.peak, where the kernel keeps it (6.1+): the fork loop reached the limit
	if [ -f "$(cgroup_dir_of pids "$CTR_ID")/pids.peak" ]; then
		assert_equal "$(jq -c .data.pids.peak <<<"$output")" 8
	else
		assert_equal "$(jq -c .data.pids.peak <<<"$output")" null
	fi
}

@test "cpu: shares, quota, period, burst and cpuset are visible" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	update_config '.linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000,
		"burst": 10000, "cpus": "0", "mems": "0"}'
	start_detached
	local d
	d=$(cgroup_dir_of cpu "$CTR_ID")
	assert_equal "$(cat "$d/cpu.shares")" 512
	assert_equal "$(cat "$d/cpu.cfs_quota_us")" 50000
	assert_equal "$(cat "$d/cpu.cfs_period_us")" 100000
	assert_equal "$(cat "$d/cpu.cfs_burst_us")" 10000
	assert_equal "$(cat "$(cgroup_dir_of cpuset "$CTR_ID")/cpuset.cpus")" 0
	# the container's processes run on cpu 0 only
	run grep Cpus_allowed_list "/proc/$(container_pid "$CTR_ID")/status"
	assert_output --regexp ':[[:space:]]+0$'
	run runtime events --stats "$CTR_ID"
	assert_equal "$(jq -c .data.cpuset.cpus <<<"$output")" "[0]"
	assert [ "$(jq -r .data.cpu.usage.total <<<"$output")" -gt 0 ]
}

@test "update: flags change live limits" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	update_config '.linux.resources = (.linux.resources + {"memory": {"limit": 67108864}, "pids": {"limit": 100}})'
	start_detached
	run runtime update --memory 128m --memory-reservation 64M --pids-limit 50 --cpu-quota 20000 \
		--cpu-period 50000 --cpu-share 256 --cpuset-cpus 0 --blkio-weight 300 "$CTR_ID"
	assert_success
	assert_output ""
	assert_equal "$(cat "$(cgroup_dir_of memory "$CTR_ID")/memory.limit_in_bytes")" 134217728
	assert_equal "$(cat "$(cgroup_dir_of memory "$CTR_ID")/memory.soft_limit_in_bytes")" 67108864
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 50
	assert_equal "$(cat "$(cgroup_dir_of cpu "$CTR_ID")/cpu.cfs_quota_us")" 20000
	assert_equal "$(cat "$(cgroup_dir_of cpu "$CTR_ID")/cpu.cfs_period_us")" 50000
	assert_equal "$(cat "$(cgroup_dir_of cpu "$CTR_ID")/cpu.shares")" 256
	assert_equal "$(cat "$(cgroup_dir_of cpuset "$CTR_ID")/cpuset.cpus")" 0
	assert_equal "$(cat "$(cgroup_dir_of blkio "$CTR_ID")/blkio.bfq.weight")" 300
	# -1 lifts a limit
	runtime update --pids-limit -1 --memory -1 --cpu-quota -1 "$CTR_ID"
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" max
	assert_equal "$(cat "$(cgroup_dir_of cpu "$CTR_ID")/cpu.cfs_quota_us")" -1
	assert [ "$(cat "$(cgroup_dir_of memory "$CTR_ID")/memory.limit_in_bytes")" -gt 1000000000000 ]
	# and the container still runs
	assert_equal "$(container_status "$CTR_ID")" running
}

@test "update: flags after the ID too (update ID --memory ..., as runc takes them)" {
	start_detached
	run runtime update "$CTR_ID" --memory 96m --cpuset-cpus 0 --pids-limit 40
	assert_success
	assert_output ""
	assert_equal "$(cat "$(cgroup_dir_of memory "$CTR_ID")/memory.limit_in_bytes")" 100663296
	assert_equal "$(cat "$(cgroup_dir_of cpuset "$CTR_ID")/cpuset.cpus")" 0
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 40
	# before and after at once, and -r - after the ID
	run runtime update --pids-limit 30 "$CTR_ID" --memory 80m
	assert_success
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 30
	assert_equal "$(cat "$(cgroup_dir_of memory "$CTR_ID")/memory.limit_in_bytes")" 83886080
	run runtime update "$CTR_ID" -r - <<<'{"pids": {"limit": 20}}'
	assert_success
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 20
	# a second argument is still an error, and so is a flag after "--"
	run runtime update "$CTR_ID" other
	assert_one_line_error 'update: unexpected argument "other"'
	run runtime update -- "$CTR_ID" --memory 1g
	assert_one_line_error 'update: unexpected argument "--memory"'
	run runtime update "$CTR_ID" --memory
	assert_one_line_error 'update: flag --memory needs a value'
}

@test "update --resources: JSON from stdin (as go-runc sends it) and from a file" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	start_detached
	run runtime update --resources - "$CTR_ID" <<<'{"memory": {"limit": 100000000, "swap": 200000000},
		"cpu": {"shares": 1024, "quota": 30000, "period": 100000},
		"pids": {"limit": 42}, "devices": [{"allow": false, "access": "rwm"}]}'
	assert_success
	local mem
	mem=$(cgroup_dir_of memory "$CTR_ID")
	# the kernel rounds to pages
	assert_equal "$(cat "$mem/memory.limit_in_bytes")" 99999744
	assert_equal "$(cat "$mem/memory.memsw.limit_in_bytes")" 199999488
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 42
	assert_equal "$(cat "$(cgroup_dir_of cpu "$CTR_ID")/cpu.cfs_quota_us")" 30000
	echo '{"pids": {"limit": 7}}' >"$BATS_TEST_TMPDIR/res.json"
	# flags apply on top of the file
	run runtime update -r "$BATS_TEST_TMPDIR/res.json" --cpu-quota 40000 "$CTR_ID"
	assert_success
	assert_equal "$(cat "$(cgroup_dir_of pids "$CTR_ID")/pids.max")" 7
	assert_equal "$(cat "$(cgroup_dir_of cpu "$CTR_ID")/cpu.cfs_quota_us")" 40000
	# lowering memory below memory+swap works in either order
	run runtime update --memory 50m --memory-swap 60m "$CTR_ID"
	assert_success
	assert_equal "$(cat "$mem/memory.memsw.limit_in_bytes")" 62914560
	assert_equal "$(cat "$mem/memory.limit_in_bytes")" 52428800
}

@test "update: bad flags, bad JSON and bad targets are one-line errors" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	start_detached
	run runtime update --memory lots "$CTR_ID"
	assert_one_line_error 'update: --memory: invalid size "lots"'
	run runtime update --cpu-quota 1.5 "$CTR_ID"
	assert_one_line_error 'update: --cpu-quota: invalid value "1.5"'
	run runtime update --pids-limit -5 "$CTR_ID"
	assert_one_line_error 'update: --pids-limit: invalid value "-5"'
	run runtime update --blkio-weight 5 "$CTR_ID"
	assert_one_line_error 'update: --blkio-weight: invalid weight "5" (10..1000)'
	run runtime update --cpuset-cpus zero "$CTR_ID"
	assert_one_line_error 'update: --cpuset-cpus: invalid list "zero"'
	run runtime update --no-such-flag 1 "$CTR_ID"
	assert_one_line_error 'update: unknown flag --no-such-flag'
	run runtime update --resources - "$CTR_ID" <<<'{"memory": {"limit": "big"}}'
	assert_one_line_error 'memory.limit'
	run runtime update --resources "$BATS_TEST_TMPDIR/missing.json" "$CTR_ID"
	assert_one_line_error "missing.json: No such file or directory"
	run runtime update --memory 64m no-such-container
	assert_one_line_error 'container "no-such-container" does not exist'
	run runtime update --memory 64m
	assert_one_line_error 'update: missing container ID'
	# a limit below the current usage: checkBeforeUpdate refuses it, the old one stays
	local mem before
	mem=$(cgroup_dir_of memory "$CTR_ID")
	before=$(cat "$mem/memory.limit_in_bytes")
	run runtime update --resources - "$CTR_ID" <<<'{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
	assert_one_line_error "is below the current usage"
	assert_equal "$(cat "$mem/memory.limit_in_bytes")" "$before"
	# a stopped container
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 eval '[ "$(container_status "$CTR_ID")" = stopped ]'
	run runtime update --memory 64m "$CTR_ID"
	assert_one_line_error "cannot update container \"$CTR_ID\": it is stopped"
}

@test "pause/resume: the processes stop and continue; state says paused" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
	start_detached
	local pid c1 c2
	pid=$(container_pid "$CTR_ID")
	wait_for 50 0.1 test -s "/proc/$pid/root/tmp/count"
	run runtime pause "$CTR_ID"
	assert_success
	assert_equal "$(container_status "$CTR_ID")" paused
	assert_equal "$(cat "$(cgroup_dir_of freezer "$CTR_ID")/freezer.state")" FROZEN
	c1=$(cat "/proc/$pid/root/tmp/count")
	sleep 0.5
	c2=$(cat "/proc/$pid/root/tmp/count")
	assert_equal "$c2" "$c1"
	run runtime pause "$CTR_ID"
	assert_one_line_error "container \"$CTR_ID\" is already paused"
	run runtime resume "$CTR_ID"
	assert_success
	assert_equal "$(container_status "$CTR_ID")" running
	wait_for 50 0.1 eval '[ "$(cat "/proc/$pid/root/tmp/count")" -gt "$c2" ]'
	run runtime resume "$CTR_ID"
	assert_one_line_error "container \"$CTR_ID\" is not paused"
	# a paused container can be force-deleted
	runtime pause "$CTR_ID"
	run runtime delete --force "$CTR_ID"
	assert_success
	run runtime pause "$CTR_ID"
	assert_one_line_error "container \"$CTR_ID\" does not exist"
}

@test "pause: a created or stopped container is not running" {
	run_bg create -b "$BUNDLE" "$CTR_ID"
	assert_success
	run runtime pause "$CTR_ID"
	assert_one_line_error "container \"$CTR_ID\" is not running"
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 eval '[ "$(container_status "$CTR_ID")" = stopped ]'
	run runtime pause "$CTR_ID"
	assert_one_line_error "container \"$CTR_ID\" is not running"
}

@test "ps: lists exactly the container's processes" {
	set_args sh -c 'sleep 1000 & sleep 1001 & wait'
	start_detached
	local pid expected
	pid=$(container_pid "$CTR_ID")
	wait_for 50 0.1 eval "[ \$(wc -w < /proc/$pid/task/$pid/children) -eq 2 ]"
	expected=$( (echo "$pid"; tr ' ' '\n' <"/proc/$pid/task/$pid/children") | grep . | sort -n | jq -s -c .)
	run runtime ps --format json "$CTR_ID"
	assert_success
	assert_output "$expected"
	run runtime ps "$CTR_ID"
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_output --partial "sleep 1001"
	refute_output --partial "bats"
	# ps options go to the host's ps
	run runtime ps "$CTR_ID" -o pid,comm
	assert_success
	assert_line --index 0 --regexp '^ *PID +COMMAND'
	assert_line --index 1 --regexp "^ *$pid +sh\$"
	run runtime ps --format yaml "$CTR_ID"
	assert_one_line_error 'ps: --format: unknown format "yaml" (table or json)'
	run runtime ps --format json "$CTR_ID" -ef
	assert_one_line_error 'ps: unexpected argument "-ef"'
}

@test "events: --stats fields, bad intervals, and a stopped container" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	start_detached
	run runtime events --stats "$CTR_ID"
	assert_success
	assert_equal "${#lines[@]}" 1
	run jq -r '.data | [has("cpu"), has("memory"), has("pids"), has("blkio"), has("hugetlb"),
		(.cpu.usage | has("total") and has("kernel") and has("user") and has("percpu")),
		(.cpu.throttling | has("periods") and has("throttledPeriods") and has("throttledTime")),
		(.memory.usage | has("limit") and has("usage") and has("max") and has("failcnt")),
		(.memory | has("swap") and has("raw") and has("oom_kill"))] | all' <<<"$output"
	assert_output true
	run runtime events --interval 0s "$CTR_ID"
	assert_one_line_error 'events: --interval: invalid duration "0s"'
	run runtime events --interval 5 "$CTR_ID"
	assert_one_line_error 'events: --interval: invalid duration "5"'
	# the stream: a stats event at once, then one per interval
	run timeout 2 "$RUNTIME_BIN" --root "$STATE_ROOT" events --interval 300ms "$CTR_ID"
	assert [ "${#lines[@]}" -ge 4 ]
	assert_equal "$(printf '%s\n' "${lines[@]}" | jq -r .type | sort -u)" stats
	runtime kill "$CTR_ID" KILL
	wait_for 50 0.1 eval '[ "$(container_status "$CTR_ID")" = stopped ]'
	run runtime events "$CTR_ID"
	assert_one_line_error "container \"$CTR_ID\" is not running"
	# --stats still answers until delete (the OOM outcome stays readable)
	run runtime events --stats "$CTR_ID"
	assert_success
	assert_equal "$(jq -r .data.memory.oom_kill <<<"$output")" 0
}

@test "devices: a deny-all config still reaches the standard nodes; other devices are refused" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	set_args sh -c 'echo x > /dev/null && head -c 4 /dev/urandom | wc -c && mknod /dev/kmsg2 c 1 11 && (echo rbox-test > /dev/kmsg2) 2>&1; true'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 4
	assert_line --index 1 --partial "Operation not permitted"
	grep -q '^a \*:\* rwm' /sys/fs/cgroup/devices/devices.list || skip "root devices cgroup is restricted"
	# an explicit allow rule opens it
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	run runtime run -b "$BUNDLE" "$CTR_ID"
	assert_success
	assert_line --index 0 4
	assert_equal "${#lines[@]}" 1
}

# refused_or_works JQ-EDIT KEY: a key the host may lack. Either the container runs (the host has
# it), or the create fails with one line naming KEY, and nothing is left behind. The reason is the
# host's (which file or controller is missing): it is not asserted.
refused_or_works() {
	shopt -s extglob
	setup_bundle
	config_is_invalid
	update_config "$1"
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	if [ "$status" -eq 0 ]; then
		runtime delete --force "$CTR_ID"
	else
		assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
		# "rbox-runtime: [config.json: ]KEY: <the host's reason>"
		[[ "$output" == "rbox-runtime: "?(config.json: )"$2: "?* ]] || fail "not one line naming $2: $output"
	fi
	assert_equal "$(ls "$STATE_ROOT" 2>/dev/null)" ""
	check_leftovers
}

@test "resources: keys this host lacks are one-line errors and leave nothing behind" {
	# a v2-only key on a v1 or hybrid host is always refused
	if [ "$(cgroup_layout)" != v2 ]; then
		config_is_invalid
		update_config '.linux.resources.unified = {"memory.high": "100000000"}'
		run_bg run -d -b "$BUNDLE" "$CTR_ID"
		assert_one_line_error 'linux.resources.unified["memory.high"]: not available on this'
	fi
	refused_or_works '.linux.resources.blockIO = {"leafWeight": 500}' 'linux.resources.blockIO.leafWeight'
	refused_or_works '.linux.resources.hugepageLimits = [{"pageSize": "1GB", "limit": 1073741824}]' 'linux.resources.hugepageLimits[0]'
	refused_or_works '.linux.resources.network = {"classID": 1048577}' 'linux.resources.network.classID'
	run runtime list -q
	assert_output ""
	# default values of such keys are fine
	setup_bundle
	update_config '.linux.resources.memory = {"kernel": -1, "swap": -1}'
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	assert_success
}

@test "hugetlb: 2MB limits go to the cgroup2 mount when the v1 hierarchies lack hugetlb" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	[ ! -d /sys/fs/cgroup/hugetlb ] || skip "this host has a v1 hugetlb hierarchy"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	local own parent
	own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	parent="/sys/fs/cgroup/unified${own%/}"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	run_bg run -d -b "$BUNDLE" "$CTR_ID"
	if grep -qw hugetlb "$parent/cgroup.subtree_control"; then
		assert_success
		assert_equal "$(cat "$parent/$CG_PREFIX/$CTR_ID/hugetlb.2MB.max")" 4194304
	else
		# the runtime never enables a controller in a cgroup it did not create
		config_is_invalid
		assert_one_line_error "linux.resources.hugepageLimits[0]: not supported by this host (the hugetlb controller is not enabled in /sys/fs/cgroup/unified"
	fi
}

@test "cpu realtime: runtime and period, also raised in the parents the runtime created" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no real-time group scheduling"
	update_config '.linux.resources.cpu = {"realtimeRuntime": 20000, "realtimePeriod": 100000}'
	start_detached
	local d
	d=$(cgroup_dir_of cpu "$CTR_ID")
	assert_equal "$(cat "$d/cpu.rt_runtime_us")" 20000
	assert_equal "$(cat "$d/cpu.rt_period_us")" 100000
	assert_equal "$(cat "$(dirname "$d")/cpu.rt_runtime_us")" 20000
	run runtime update --cpu-rt-runtime 10000 "$CTR_ID"
	assert_success
	assert_equal "$(cat "$d/cpu.rt_runtime_us")" 10000
}

@test "unified on a hybrid host: keys of the cgroup2 mount are written there" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	[ -d /sys/fs/cgroup/unified ] || skip "not a hybrid host"
	update_config '.linux.resources.unified = {"cgroup.max.depth": "3"}'
	start_detached
	local own
	own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	assert_equal "$(cat "/sys/fs/cgroup/unified${own%/}/$CG_PREFIX/$CTR_ID/cgroup.max.depth")" 3
}

@test "--systemd-cgroup: slice:prefix:name maps to a plain path when systemd is absent" {
	requires cgroup_v1 # (v1 file names; the v2 side: cgroups_v2.bats)
	[ ! -d /run/systemd/system ] || skip "systemd is running here"
	local slice="rboxt$$"
	update_config '.linux.cgroupsPath = $p' --arg p "$slice-a.slice:rbox:$CTR_ID"
	local out="$BATS_TEST_TMPDIR/out"
	"$RUNTIME_BIN" --root "$STATE_ROOT" --systemd-cgroup run -d -b "$BUNDLE" "$CTR_ID" \
		</dev/null >"$out" 2>&1 3>&-
	run cat "$out"
	assert_output --partial "--systemd-cgroup: systemd is not running; using cgroupfs path"
	local pid
	pid=$(container_pid "$CTR_ID")
	assert_equal "$(proc_cgroup_of "$pid" pids)" "/$slice.slice/$slice-a.slice/rbox-$CTR_ID.scope"
	runtime delete --force "$CTR_ID"
	local d leftover=
	for d in /sys/fs/cgroup/*/"$slice.slice"; do
		[ -d "$d" ] && leftover+=" $d" && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	assert_equal "$leftover" ""
}

@test "--systemd-cgroup: a name or prefix that climbs out of the slice is refused" {
	local p
	for p in "system.slice::.." "system.slice::../../escape" "system.slice:a/../..:x" "system.slice::."; do
		update_config '.linux.cgroupsPath = $p' --arg p "$p"
		run -1 "$RUNTIME_BIN" --root "$STATE_ROOT" --systemd-cgroup create -b "$BUNDLE" "$CTR_ID" 3>&-
		assert_output "rbox-runtime: linux.cgroupsPath: \"$p\": invalid prefix or name"
		[ ! -e "$STATE_ROOT/$CTR_ID" ]
	done
}
