#!/usr/bin/env bats
# Bad input: one clear line, exit 125, nothing created or changed.

load helpers

# run_bad "expected message" ARGS...: exit 125, exactly that line, no container made.
run_bad() {
	local msg=$1
	shift
	local before mons
	before=$(ls -A "$RBOX_ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
	mons=$(monitors_of_store)
	run -125 rbox "$@"
	assert_output "$msg"
	assert_equal "$(ls -A "$RBOX_ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" "$before"
	assert_equal "$(monitors_of_store)" "$mons"
}

@test "bad run/create flags and values" {
	run_bad 'rbox: no such image: nosuch (import one with '"'"'rbox image import FILE nosuch:latest'"'"')' run --pull never nosuch true
	run_bad 'rbox: invalid image reference "UPPER": expected [HOST[:PORT]/]NAME[:TAG][@DIGEST] (lower-case name, tag of [A-Za-z0-9_.-])' run UPPER true
	run_bad 'rbox: invalid value "12Q" for --memory: expected a size such as 256m (units b, k, m, g, t)' run --memory 12Q busybox true
	run_bad 'rbox: invalid value "1k" for --memory: the minimum is 6m' run -m 1k busybox true
	run_bad "rbox: invalid value \"-1\" for --cpus: the range is from 0.01 to $(nproc).00 ($(nproc) CPUs available)" run --cpus -1 busybox true
	run_bad 'rbox: invalid value "abc" for --cpus: expected a number such as 0.5' run --cpus abc busybox true
	run_bad 'rbox: invalid value "1000" for --cpus: the range is from 0.01 to '"$(nproc)"'.00 ('"$(nproc)"' CPUs available)' create --cpus 1000 busybox true
	run_bad 'rbox: invalid value "many" for --pids-limit: expected an integer (0 or -1 for no limit)' run --pids-limit many busybox true
	run_bad 'rbox: invalid container name "a": use 2-128 characters of [a-zA-Z0-9][a-zA-Z0-9_.-]' run --name a busybox true
	run_bad 'rbox: invalid container name "-bad": use 2-128 characters of [a-zA-Z0-9][a-zA-Z0-9_.-]' create --name=-bad busybox true
	run_bad 'rbox: invalid container name "x/y": use 2-128 characters of [a-zA-Z0-9][a-zA-Z0-9_.-]' run --name x/y busybox true
	run_bad 'rbox: network nosuch not found' run --network nosuch busybox true
	run_bad 'rbox: invalid -p "70000:80": a port is out of range (1-65535)' run -p 70000:80 busybox true
	run_bad 'rbox: invalid -p "abc": expected [IP:][HOSTPORT:]PORT[/tcp|udp] (a port or a range A-B)' create -p abc busybox true
	run_bad 'rbox: conflicting options: port publishing and the network mode none' run --network none -p 80 busybox true
	run_bad 'rbox: invalid --network none: none, host, container: and ns: cannot be combined with other networks' run --network none --network bridge busybox true
	run_bad 'rbox: invalid value "1.2.3" for --dns: expected an IPv4 address' run --dns 1.2.3 busybox true
	run_bad 'rbox: invalid value "nocolon" for --add-host: expected NAME:IPv4' run --add-host nocolon busybox true
	run_bad 'rbox: --network container:nosuch: no such container: nosuch' run --network container:nosuch busybox true
	run_bad 'rbox: invalid value "SIGNOPE" for --stop-signal: unknown signal' run --stop-signal SIGNOPE busybox true
	run_bad 'rbox: invalid value "-3" for --stop-timeout: expected seconds (>= 0)' run --stop-timeout -3 busybox true
	run_bad 'rbox: invalid value "NOPE" for --cap-add: unknown capability' run --cap-add NOPE busybox true
	run_bad 'rbox: invalid value "x y" for --hostname: use 1-64 characters of [A-Za-z0-9.-]' run --hostname 'x y' busybox true
	run_bad 'rbox: invalid value "rel" for --workdir: the working directory must be an absolute path' run -w rel busybox true
	run_bad 'rbox: unable to find user nobody2: no matching entries in passwd file' run -u nobody2 busybox true
	run_bad 'rbox: invalid environment variable "=v": empty name' run -e =v busybox true
	run_bad "rbox: --env-file $BATS_TEST_TMPDIR/none: No such file or directory" run --env-file "$BATS_TEST_TMPDIR/none" busybox true
	run_bad "rbox run: unknown flag --bogus (see 'rbox run --help')" run --bogus busybox true
	run_bad "rbox run: flag --memory needs a value" run --memory
	run_bad "rbox run: requires an IMAGE (see 'rbox run --help')" run
	run_bad "rbox create: unknown flag -d (see 'rbox create --help')" create -d busybox true
}

@test "a duplicate name is refused and the first container is untouched" {
	rbox run -d --name dup busybox sleep 1000
	local id
	id=$(ctr_id dup)
	run_bad "rbox: the container name \"dup\" is already in use by container ${id:0:12}: remove or rename that container first" run --name dup busybox true
	assert_equal "$(ctr_status dup)" running
}

@test "unknown containers, ambiguous prefixes, running containers" {
	run_bad "rbox: no such container: nosuch" start nosuch
	run_bad "rbox: no such container: nosuch" stop nosuch
	run_bad "rbox: no such container: nosuch" logs nosuch
	run_bad "rbox: no such container: nosuch" wait nosuch
	run_bad "rbox: no such container: nosuch" rename nosuch other
	rbox run -d --name running busybox sleep 1000
	run_bad "rbox: cannot remove container running: it is running (stop it first, or use rm -f)" rm running
	run_bad "rbox rename: requires a CONTAINER and a NEW_NAME (see 'rbox rename --help')" rename running
	run_bad "rbox: unknown command \"nosuch\" (see 'rbox --help')" nosuch
	run_bad "rbox logs: requires exactly one CONTAINER (see 'rbox logs --help')" logs
	assert_equal "$(ctr_status running)" running
}

@test "a missing rbox-runtime or rbox-monitor is reported; nothing is left running" {
	rbox create --name nort busybox true
	RBOX_MONITOR=/nonexistent/rbox-monitor run -125 rbox start nort
	assert_output "rbox: cannot start rbox-monitor (/nonexistent/rbox-monitor): No such file or directory"
	assert_equal "$(ctr_status nort)" created
	RBOX_RUNTIME=/nonexistent/rbox-runtime run -125 rbox start nort
	assert_output "rbox: cannot run /nonexistent/rbox-runtime"
	assert_equal "$(ctr_status nort)" created
	run grep -F "$RBOX_RUNROOT" /proc/self/mountinfo
	assert_failure
}
