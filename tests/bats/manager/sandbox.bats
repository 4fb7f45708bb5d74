#!/usr/bin/env bats
# Sandbox mode: run --timeout, run --report FILE|- (the verdict from the cgroup), the same in
# inspect's State.Report, and OOMKilled recorded by the monitor.

load helpers

# The report of a run: report FILE JQ
rfield() {
	jq -r "$2" "$1"
}

# Does this kernel keep pids.peak (look at a running container's pids cgroup)?
pids_peak_supported() {
	rbox run -d --name peakprobe busybox sleep 100 >/dev/null
	if [ -f "$(ctr_cgroup pids peakprobe)/pids.peak" ]; then echo yes; else echo no; fi
	rbox rm -f peakprobe >/dev/null
}

@test "run --timeout: the container is killed at the deadline; the verdict says so" {
	local rep="$BATS_TEST_TMPDIR/r.json" start end
	start=$(date +%s%N)
	run -137 rbox run --name slow --timeout 300ms --report "$rep" busybox sh -c 'echo started; sleep 100 & sleep 100'
	end=$(date +%s%N)
	assert_output started
	# the deadline, not the sleep, ended it (the test's own wall time bounds it too)
	[ $(((end - start) / 1000000)) -lt 5000 ]
	assert_equal "$(rfield "$rep" .timed_out)" true
	assert_equal "$(rfield "$rep" .exit_code)" 137
	assert_equal "$(rfield "$rep" .signal)" 9
	assert_equal "$(rfield "$rep" .timeout_ns)" 300000000
	local wall
	wall=$(rfield "$rep" .wall_time_ns)
	[ "$wall" -ge 300000000 ] && [ "$wall" -lt 5000000000 ]
	assert_equal "$(inspect_field slow .State.ExitCode)" 137
	assert_equal "$(inspect_field slow .State.Report.timed_out)" true
	# both sleeps died with the init of the pid namespace: nothing is left in its cgroup
	assert_equal "$(inspect_field slow .State.Status)" exited
}

@test "run --timeout: a container that ends in time is not marked" {
	local rep="$BATS_TEST_TMPDIR/r.json"
	run -3 rbox run --rm --timeout 1m --report "$rep" busybox sh -c 'exit 3'
	assert_equal "$(rfield "$rep" .timed_out)" false
	assert_equal "$(rfield "$rep" .exit_code)" 3
	assert_equal "$(rfield "$rep" .signal)" 0
}

@test "run -d --timeout: the monitor enforces it after rbox is gone; wait sees 137" {
	rbox run -d --name bg --timeout 500ms busybox sleep 100
	run rbox wait bg
	assert_output 137
	assert_equal "$(inspect_field bg .State.Report.timed_out)" true
	assert_equal "$(inspect_field bg .State.ExitSignal)" 9
}

@test "create --timeout: every start gets the full time again" {
	rbox create --name again --timeout 200ms busybox sleep 100
	run -137 rbox start -a again
	assert_equal "$(inspect_field again .State.Report.timed_out)" true
	run -137 rbox start -a again
	assert_equal "$(inspect_field again .State.Report.timed_out)" true
	assert_equal "$(inspect_field again .HostConfig.TimeoutNs)" 200000000
}

@test "run --timeout: bare seconds or durations in Go's syntax; bad ones are one line, exit 125, nothing created" {
	local v
	for v in 30 2.5 1m30s 1.5s 250ms 2h 1h2m3s4ms5us6ns 0; do
		run rbox create --timeout "$v" busybox true
		assert_success
	done
	rbox create --name t1 --timeout 1m30s busybox true
	assert_equal "$(inspect_field t1 .HostConfig.TimeoutNs)" 90000000000
	rbox create --name t2 --timeout 30 busybox true
	assert_equal "$(inspect_field t2 .HostConfig.TimeoutNs)" 30000000000
	rbox rm $(rbox ps -aq) >/dev/null
	for v in abc -1s 1x 10s5 '' 1e3s 1.2.3 .; do
		run -125 rbox run --timeout "$v" busybox true
		assert_output "rbox: invalid value \"$v\" for --timeout: expected seconds or a duration such as 30, 10s, 1m30s or 500ms (units ns, us, ms, s, m, h)"
	done
	run rbox ps -aq
	assert_output ""
}

@test "run --report FILE: exit code, wall and CPU time, peak memory and pids, from the cgroup" {
	local rep="$BATS_TEST_TMPDIR/r.json"
	# 40 MB touched by dd, 3 processes at once, some CPU burnt in the shell
	run -4 rbox run --name work --report "$rep" busybox sh -c '
		dd if=/dev/zero of=/dev/null bs=40M count=1 2>/dev/null
		sleep 0.3 & sleep 0.3 & i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; wait; exit 4'
	run jq -e . "$rep"
	assert_success
	assert_equal "$(rfield "$rep" .id)" "$(ctr_id work)"
	assert_equal "$(rfield "$rep" .name)" work
	assert_equal "$(rfield "$rep" .started)" true
	assert_equal "$(rfield "$rep" .exit_code)" 4
	assert_equal "$(rfield "$rep" .oom_killed)" false
	assert_equal "$(rfield "$rep" .timed_out)" false
	assert_equal "$(rfield "$rep" .timeout_ns)" null
	assert_equal "$(rfield "$rep" .error)" null
	local peak cpu wall pids
	peak=$(rfield "$rep" .memory_peak_bytes)
	[ "$peak" -ge $((40 * 1024 * 1024)) ] && [ "$peak" -lt $((200 * 1024 * 1024)) ]
	cpu=$(($(rfield "$rep" .cpu_user_ns) + $(rfield "$rep" .cpu_system_ns)))
	wall=$(rfield "$rep" .wall_time_ns)
	[ "$cpu" -gt 0 ] && [ "$wall" -ge 300000000 ]
	[ "$cpu" -le $((wall * $(nproc) + 20000000)) ] # v1 counts in 10 ms ticks
	# pids.peak: kernels >= 6.1; without it the report says null, never a guess
	pids=$(rfield "$rep" .pids_peak)
	if [ "$(pids_peak_supported)" = yes ]; then
		[ "$pids" -ge 3 ] && [ "$pids" -lt 10 ]
	else
		assert_equal "$pids" null
	fi
	# started_at/finished_at are RFC 3339 and agree with inspect
	assert_equal "$(rfield "$rep" .started_at)" "$(inspect_field work .State.StartedAt)"
	# inspect carries the same object
	assert_equal "$(rbox inspect work | jq -S '.[0].State.Report')" "$(jq -S . "$rep")"
}

@test "run --report -: the verdict is printed after the container's output" {
	run -3 rbox run --rm --report - busybox sh -c 'echo one; echo two; exit 3'
	assert_equal "${lines[0]}" one
	assert_equal "${lines[1]}" two
	assert_equal "$(echo "${lines[2]}" | jq -r .exit_code)" 3
	assert_equal "${#lines[@]}" 3
}

@test "run --rm --report -: every counter is filled (cpu, memory peak, pids peak)" {
	run rbox run --rm --report - busybox true
	assert_success
	assert_equal "$(jq -c '[.cpu_user_ns, .cpu_system_ns, .memory_peak_bytes, .pids_peak] | map(type)' <<<"$output")" \
		'["number","number","number","number"]'
	assert_equal "$(jq -r '.pids_peak >= 1 and .memory_peak_bytes > 0' <<<"$output")" true
}

@test "run --report: a start that fails is a verdict too (started false, the error)" {
	local rep="$BATS_TEST_TMPDIR/r.json"
	run -127 rbox run --rm --report "$rep" busybox no-such-command
	assert_equal "$(rfield "$rep" .started)" false
	assert_equal "$(rfield "$rep" .exit_code)" 127
	assert_equal "$(rfield "$rep" .error)" 'exec: "no-such-command": executable file not found in $PATH'
	assert_equal "$(rfield "$rep" .wall_time_ns)" null
	rbox run --rm --report - busybox no-such-command >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || true
	assert_equal "$(jq -r .exit_code "$BATS_TEST_TMPDIR/out")" 127
	assert_equal "$(jq -r .started "$BATS_TEST_TMPDIR/out")" false
	grep -q 'executable file not found' "$BATS_TEST_TMPDIR/err"
}

@test "run --report: a long non-ASCII error is cut at a character boundary; the verdict stays JSON" {
	# 300 two-byte characters: the message passes the 512-byte error field mid-character
	local p rep="$BATS_TEST_TMPDIR/r.json" i
	p="/$(for i in $(seq 300); do printf '\xc3\xa9'; done)"
	run -126 rbox run --report - busybox "$p"
	echo "${lines[-1]}" | jq -e '.started == false'
	assert_equal "$(echo "${lines[-1]}" | jq -r '.error[0:7]')" 'exec: "'
	run -126 rbox run --name long --report "$rep" busybox "$p"
	jq -e '.error | endswith("\u00e9")' "$rep"
	# inspect's State.Report is the same verdict (null if it did not parse)
	assert_equal "$(inspect_field long '.State.Report.error')" "$(jq -r .error "$rep")"
}

@test "run --rm --report FILE: the file stays after the container is gone" {
	local rep="$BATS_TEST_TMPDIR/r.json"
	rbox run --rm --report "$rep" busybox true
	assert_equal "$(rfield "$rep" .exit_code)" 0
	run rbox ps -aq
	assert_output ""
}

@test "inspect: State.Report is null until the container ends, then the last run's" {
	rbox run -d --name live busybox sleep 100
	assert_equal "$(inspect_field live .State.Report)" null
	rbox stop -t 0 live
	assert_equal "$(inspect_field live .State.Report.exit_code)" 137
	assert_equal "$(inspect_field live .State.Report.signal)" 9
	# a new start removes the old verdict
	rbox start live
	assert_equal "$(inspect_field live .State.Report)" null
}

@test "OOM kill: recorded in State.OOMKilled and the report" {
	local rep="$BATS_TEST_TMPDIR/r.json"
	run -137 rbox run --name hog -m 8m --report "$rep" busybox sh -c 'tail /dev/zero'
	assert_equal "$(inspect_field hog .State.OOMKilled)" true
	assert_equal "$(rfield "$rep" .oom_killed)" true
	assert_equal "$(rfield "$rep" .signal)" 9
	local peak
	peak=$(rfield "$rep" .memory_peak_bytes)
	[ "$peak" -le $((8 * 1024 * 1024)) ] && [ "$peak" -gt $((4 * 1024 * 1024)) ]
	# a container that was not OOM-killed says false
	rbox run --name fine -m 8m busybox true
	assert_equal "$(inspect_field fine .State.OOMKilled)" false
}

@test "run --report: bad values are one line, exit 125, nothing created" {
	run -125 rbox run --report "$BATS_TEST_TMPDIR/no/such/dir/r.json" busybox true
	assert_output --partial "rbox: invalid value \"$BATS_TEST_TMPDIR/no/such/dir/r.json\" for --report: directory $BATS_TEST_TMPDIR/no/such/dir: No such file or directory"
	run -125 rbox run --report "$BATS_TEST_TMPDIR" busybox true
	assert_output "rbox: invalid value \"$BATS_TEST_TMPDIR\" for --report: $BATS_TEST_TMPDIR is a directory"
	run -125 rbox run -d --report - busybox true
	assert_output "rbox: --report -: the verdict goes to stdout only when run in the foreground (give a FILE with -d)"
	run -125 rbox create --report - busybox true
	assert_output "rbox: --report -: the verdict goes to stdout only when run in the foreground (give a FILE with create)"
	run rbox ps -aq
	assert_output ""
}

@test "run --report FILE: a relative path is made absolute at create" {
	cd "$BATS_TEST_TMPDIR"
	rbox create --name rel --report out.json busybox true
	assert_equal "$(inspect_field rel .HostConfig.Report)" "$(realpath "$BATS_TEST_TMPDIR")/out.json"
	cd /
	rbox start -a rel
	assert_equal "$(jq -r .exit_code "$BATS_TEST_TMPDIR/out.json")" 0
}

@test "run --timeout: a frozen container dies when thawed; the monitor waits without spinning" {
	# (the pause must come before the deadline, also on a loaded machine: 2 s)
	rbox run -d --name frozen --timeout 2s busybox sleep 100
	local id mon
	id=$(ctr_id frozen)
	"$RUNTIME_BIN" --root "$RBOX_RUNROOT/runtime" pause "$id"
	mon=$(inspect_field frozen .State.MonitorPid)
	sleep 2.2
	# past the deadline: one SIGKILL is pending in the frozen cgroup, the monitor sleeps in poll
	local before after
	before=$(awk '{ print $14 + $15 }' "/proc/$mon/stat")
	sleep 1
	after=$(awk '{ print $14 + $15 }' "/proc/$mon/stat")
	[ $((after - before)) -le 1 ] # CPU ticks in a second (spinning would be ~100)
	"$RUNTIME_BIN" --root "$RBOX_RUNROOT/runtime" resume "$id"
	run rbox wait frozen
	assert_output 137
	assert_equal "$(inspect_field frozen .State.Report.timed_out)" true
}
