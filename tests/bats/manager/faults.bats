#!/usr/bin/env bats
# Nothing half-made after a kill: a container directory without its state file (a create or a
# removal killed half-way) is a `dead` container that ps -a shows and rm -f removes, its name is
# released; rbox-runtime killed by a signal is named as such and leaves no cgroup; and a fault
# injection (tests/bats/tools/faultinject.py) SIGKILLs rbox, rbox-runtime or rbox-monitor at
# random points of run/start/stop/rm, after which every container is accounted for and rm -f
# leaves nothing (the teardown checks mounts, monitors, cgroups, state dirs and names).

load helpers

FAULTINJECT="$REPO_ROOT/tests/bats/tools/faultinject.py"

# Every container directory is listed by ps -a, every name points at a listed container.
assert_all_accounted() {
	local listed d n
	listed=$(rbox ps -a -q --no-trunc)
	for d in "$RBOX_ROOT"/containers/*; do
		[ -d "$d" ] || continue
		grep -qx "$(basename "$d")" <<<"$listed" || fail "ps -a does not show $(basename "$d")"
	done
	for n in "$RBOX_ROOT"/names/*; do
		[ -L "$n" ] || continue
		grep -qx "$(readlink "$n")" <<<"$listed" ||
			fail "name $(basename "$n") points at $(readlink "$n"), which ps -a does not show"
	done
}

@test "a container dir without its state (killed create or removal) is dead, removable, its name released" {
	rbox create --name half busybox true >/dev/null
	local id
	id=$(ctr_id half)
	# what a kill between the directory and the state file leaves
	rm "$RBOX_ROOT/containers/$id/state"
	run rbox ps -a --no-trunc --format json
	assert_success
	assert_equal "$(jq -r 'select(.ID == "'"$id"'") | .State' <<<"$output")" dead
	run rbox inspect "$id"
	assert_success
	assert_equal "$(jq -r '.[0].State.Status' <<<"$output")" dead
	assert_equal "$(jq -r '.[0].State.Error' <<<"$output")" \
		"incomplete container half: its creation or removal was interrupted (name released); remove it with rm -f"
	# the name is free again
	rbox create --name half busybox true >/dev/null
	assert [ "$(ctr_id half)" != "$id" ]
	rbox rm -f "$id"
	[ ! -e "$RBOX_ROOT/containers/$id" ]
	# a name pointing at a directory that was never made (killed right after the claim)
	ln -s "$(printf 'ab%.0s' {1..32})" "$RBOX_ROOT/names/ghost"
	rbox run -d --name ghost busybox sleep 1000 >/dev/null
	assert_equal "$(ctr_status ghost)" running
	# a removal killed half-way (state already unlinked, files partly gone)
	rbox rm -f ghost half
	rbox create --name torn busybox true >/dev/null
	id=$(ctr_id torn)
	rm -rf "$RBOX_ROOT/containers/$id/state" "$RBOX_ROOT/containers/$id/bundle" "$RBOX_ROOT/containers/$id/config.json"
	# inspect shows what the state knows (config.json is gone)
	run rbox inspect "$id"
	assert_success
	assert_equal "$(jq -r '.[0].State.Status' <<<"$output")" dead
	rbox container prune -f
	[ ! -e "$RBOX_ROOT/containers/$id" ]
	run ls "$RBOX_ROOT/names"
	assert_output ""
}

@test "a monitor killed while it starts a container: the created container says why" {
	rbox create --name mstart busybox true >/dev/null
	local id
	id=$(ctr_id mstart)
	# what the state holds once the monitor recorded itself and died (a pid that is not alive)
	jq -c '.monitor_pid = 999999999 | .monitor_start = 1' "$RBOX_ROOT/containers/$id/state" >"$BATS_TEST_TMPDIR/state"
	mv "$BATS_TEST_TMPDIR/state" "$RBOX_ROOT/containers/$id/state"
	assert_equal "$(ctr_status mstart)" created
	assert_equal "$(inspect_field mstart .State.Error)" \
		"rbox-monitor (pid 999999999) died before the container started"
	assert_equal "$(inspect_field mstart .State.MonitorPid)" 0
	run rbox start -a mstart
	assert_success
	assert_equal "$(inspect_field mstart .State.Error)" ""
}

@test "rbox-runtime killed by SIGKILL during create: said so, and no cgroup is left" {
	# a runtime that dies half-way: the state dir and the cgroup exist, and state.json still
	# says "creating" (the runtime renames the state dir into place with that first state.json)
	local fake="$BATS_TEST_TMPDIR/rt"
	cat >"$fake" <<EOF
#!/bin/bash
real="$RUNTIME_BIN"
root= id=
for a in "\$@"; do id=\$a; done
[ "\$1" = --root ] && root=\$2
case " \$* " in
*" create "* | *" run "*) # the monitor creates and starts with one run --detach
	"\$real" "\$@" || exit
	kill -9 "\$(cat "\$root/\$id/../../containers/\$id/pid" 2>/dev/null)" 2>/dev/null
	jq -c '.creating = true' "\$root/\$id/state.json" >"\$root/\$id/state.tmp" &&
		mv "\$root/\$id/state.tmp" "\$root/\$id/state.json"
	kill -9 \$\$ ;;
esac
exec "\$real" "\$@"
EOF
	chmod +x "$fake"
	run -125 env RBOX_RUNTIME="$fake" "$RBOX_BIN" run -d --name killed busybox sleep 1000
	assert_output "rbox: rbox-runtime was killed by signal 9 (Killed)"
	local id ctrl
	id=$(ctr_id killed)
	# no cgroup of it in any hierarchy (v1 controllers, or the cgroup2 tree), no runtime state
	check_leftovers
	[ ! -e "$STATE_ROOT/$id" ]
	rbox rm killed
}

@test "rbox-runtime killed during stop's SIGKILL: stop tries again and returns once it exited" {
	rbox run -d --name tough busybox sh -c "trap '' TERM; while :; do sleep 0.1; done" >/dev/null
	# a runtime whose first "kill ... 9" dies of SIGKILL before it signals anything
	local fake="$BATS_TEST_TMPDIR/rt" mark="$BATS_TEST_TMPDIR/killed-once"
	cat >"$fake" <<EOF
#!/bin/bash
if [ "\${@: -1}" = 9 ] && [[ " \$* " == *" kill "* ]] && [ ! -e "$mark" ]; then
	touch "$mark"
	kill -9 \$\$
fi
exec "$RUNTIME_BIN" "\$@"
EOF
	chmod +x "$fake"
	RBOX_RUNTIME="$fake" "$RBOX_BIN" stop -t 0 tough
	[ -e "$mark" ]
	assert_equal "$(ctr_status tough)" exited
	assert_equal "$(inspect_field tough .State.ExitCode)" 137
}

@test "fault injection: SIGKILL of rbox, rbox-runtime or rbox-monitor during run/start/stop/rm" {
	run python3 "$FAULTINJECT" "$RBOX_BIN" 30 ${FAULT_SEED:-}
	# the iterations (seed, operation, what was killed, what rbox said): shown when it fails
	echo "$output"
	assert_success
	refute_output --partial HUNG
	assert_all_accounted
	local id
	for id in $(rbox ps -a -q --no-trunc); do
		rbox rm -f "$id" || fail "rm -f $id failed"
	done
	run ls "$RBOX_ROOT/containers"
	assert_output ""
	run ls "$RBOX_ROOT/names"
	assert_output ""
	run ls "$STATE_ROOT"
	assert_output ""
	manager_leftovers
	check_leftovers
}
