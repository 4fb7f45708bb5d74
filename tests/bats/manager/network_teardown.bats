#!/usr/bin/env bats
# rbox networking (issue 15): a container's network is torn down completely however it ends
# (stop, kill, rm -f, --rm, its monitor killed with -9): no veth, no firewall rule, no IPAM lease,
# no aardvark-dns entry, no aardvark-dns process once no container uses a DNS network. Every rbox
# command runs in the test's own network namespace (net_helpers.bash).

load net_helpers

# on_net NAME: a detached container on the DNS network n1 (made here) publishing a port; sets
# ID and IP, and checks what it set up: a veth, its DNAT rule, aardvark-dns.
on_net() {
	rbox network create n1 >/dev/null
	idle "$1" --network n1 -p 8080:80
	ID=$(ctr_id "$1")
	IP=$(ctr_ip "$1" n1)
	assert_equal "$(ns_veths | wc -l)" 1
	run in_ns iptables-save
	assert_output --partial "$IP"
	[ -n "$(aardvark_pids)" ] || fail "no aardvark-dns in the namespace for the DNS network n1"
}

@test "stop: the network is torn down; start sets it up again" {
	on_net st
	run rbox stop -t 0 st
	assert_success
	assert_equal "$(ctr_status st)" exited
	net_gone "$ID" "$IP"
	run rbox start st
	assert_success
	assert_equal "$(ns_veths | wc -l)" 1
	run rbox exec st ip -o -4 addr show eth0
	assert_output --partial "inet $(ctr_ip st n1)/24"
	[ -n "$(aardvark_pids)" ] || fail "no aardvark-dns after the restart"
}

kl_torn_down() {
	[ -z "$(ns_veths)" ] && ! in_ns iptables-save | grep -qwF "$IP"
}

@test "kill: the network is torn down" {
	on_net kl
	run rbox kill kl
	assert_success
	run rbox wait kl
	assert_output 137
	# the monitor tears the network down after it recorded the exit (wait may return first, as
	# docker's does before its cleanup): give it a few seconds, then nothing may be left
	wait_for 50 0.1 kl_torn_down
	net_gone "$ID" "$IP"
}

@test "rm -f of a running container: the network is torn down" {
	on_net rf
	run rbox rm -f rf
	assert_success
	net_gone "$ID" "$IP"
}

@test "--rm: the network is torn down when the container exits" {
	rbox network create n1 >/dev/null
	run rbox run --rm --network n1 -p 8080:80 busybox sh -c 'hostname; ip -o -4 addr show eth0'
	assert_success
	local short ip
	short=${lines[0]}
	ip=$(sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' <<<"$output")
	[[ "$short" =~ ^[0-9a-f]{12}$ ]] || fail "hostname is not the short ID: $short"
	[[ "$ip" =~ ^10\.78\.[0-9]+\.[0-9]+$ ]] || fail "no address on eth0: $output"
	NET_CTR_IDS+=("$short")
	net_gone "$short" "$ip"
	run rbox ps -aq
	assert_output ""
}

@test "kill -9 of the monitor: the next rbox command tears the network down" {
	on_net orphan
	local mon
	mon=$(inspect_field orphan .State.MonitorPid)
	kill -9 "$mon"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	run rbox ps -a
	assert_success
	assert_equal "$(ctr_status orphan)" exited
	net_gone "$ID" "$IP"
	# and the port is free again
	idle again --network n1 -p 8080:80
}

@test "kill -9 of the monitor of an --rm container: reconcile removes it and its network" {
	rbox network create n1 >/dev/null
	rbox run -d --rm --name rmorphan --network n1 busybox sleep 1000 >/dev/null
	local mon id ip
	id=$(ctr_id rmorphan)
	ip=$(ctr_ip rmorphan n1)
	NET_CTR_IDS+=("$id")
	mon=$(inspect_field rmorphan .State.MonitorPid)
	kill -9 "$mon"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	run rbox ps -aq
	assert_output ""
	net_gone "$id" "$ip"
}

@test "aardvark-dns runs while a DNS network has a container, and stops with the last one" {
	rbox network create n1 >/dev/null
	rbox network create n2 >/dev/null
	idle ca --network n1
	idle cb --network n2
	[ -n "$(aardvark_pids)" ] || fail "no aardvark-dns"
	rbox rm -f ca >/dev/null
	[ -n "$(aardvark_pids)" ] || fail "aardvark-dns stopped while b still uses n2"
	run rbox exec cb nslookup cb
	assert_success
	assert_output --partial "$(ctr_ip cb n2)"
	rbox rm -f cb >/dev/null
	assert_equal "$(aardvark_pids)" ""
	# the default network has no DNS: no aardvark-dns for it
	idle cc
	assert_equal "$(aardvark_pids)" ""
}

# rm_ctr_cgroups ID: remove the (empty) cgroup directories of a dead container, as a reboot does
rm_ctr_cgroups() {
	local d rc=0
	for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -path "*/$CG_PREFIX/$1" 2>/dev/null); do
		rmdir "$d" 2>/dev/null || rc=1
	done
	return $rc
}

# reboot_host ID WIPE: what a reboot leaves of a container: no process, no mount, no cgroup, a
# fresh kernel network state (here: the test's namespace made anew), its state of another boot
# id; WIPE=1: an empty run root too (/run is a tmpfs), WIPE=0: a run root that survives.
reboot_host() {
	local id=$1 wipe=$2 mon pid m p
	mon=$(inspect_field "$id" .State.MonitorPid)
	pid=$(inspect_field "$id" .State.Pid)
	kill -9 "$mon" "$pid"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null && ! kill -0 $pid 2>/dev/null"
	local dead=()
	for p in $(ns_pids); do
		kill -9 "$p"
		dead+=("$p")
	done
	# reaped, not zombies (netavark takes a zombie aardvark-dns of aardvark.pid for a live one)
	for p in "${dead[@]}"; do
		wait_for 100 0.1 test ! -e "/proc/$p"
	done
	for m in $(awk -v rr="$RBOX_RUNROOT/" 'index($5, rr) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m"
	done
	wait_for 50 0.1 rm_ctr_cgroups "$id"
	if [ "$wipe" = 1 ]; then
		rm -rf "$RBOX_RUNROOT"
	fi
	ip netns del "$NETNS"
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	NETNS_INODE=$(stat -L -c %i "$NETNS_PATH")
	jq -c '.boot_id = "00000000-0000-0000-0000-000000000000"' "$RBOX_ROOT/containers/$id/state" >"$BATS_TEST_TMPDIR/state" &&
		mv "$BATS_TEST_TMPDIR/state" "$RBOX_ROOT/containers/$id/state"
}

# after_reboot: the container is exited (255), starts again on its network, serves its port and
# is found by name.
after_reboot() {
	run rbox ps -a
	assert_line --regexp 'Exited \(255\) .* boot$'
	run rbox start boot
	assert_success
	wait_for 50 0.1 rbox exec boot wget -q -O /dev/null http://127.0.0.1/
	run http_get http://127.0.0.1:8080/
	assert_success
	assert_output 'hello from boot'
	[ -n "$(aardvark_pids)" ] || fail "no aardvark-dns for n1 after the reboot"
	idle peer --network n1
	run timeout 20 "$RBOX_BIN" exec peer wget -q -O - http://boot/
	assert_output 'hello from boot'
}

@test "reboot with a fresh run root: a container recorded on a network starts again" {
	rbox network create n1 >/dev/null
	serve_http boot --network n1 -p 8080:80
	reboot_host "$(ctr_id boot)" 1
	after_reboot
}

@test "reboot with a run root that survives: reconcile drops the old boot's lease and DNS entry; the container starts again" {
	rbox network create n1 >/dev/null
	serve_http boot --network n1 --ip 10.78.0.77 -p 8080:80
	local id
	id=$(ctr_id boot)
	reboot_host "$id" 0
	run rbox ps -a
	assert_success
	# nothing of the old boot's network is recorded any more (outside the container's own files)
	net_gone "$id" 10.78.0.77
	# so its address is free for another container
	idle other --network n1 --ip 10.78.0.77
	rbox rm -f other >/dev/null
	after_reboot
}
