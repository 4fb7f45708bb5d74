#!/usr/bin/env bats
# User-mode networking (issue 20): --network slirp4netns[:OPT=VAL,...] and --network
# pasta[:ARG,...]. Every rbox command runs in the test's own network namespace
# (net_helpers.bash); the helper processes live there too, and traffic goes only to loopback
# of that namespace (and, for pasta, which needs an interface with a default route, to the
# outside world's veth of net_helpers).

load net_helpers

slirp_requires() {
	[ -x /usr/bin/slirp4netns ] || skip "needs slirp4netns (make deps)"
}

pasta_requires() {
	[ -x /usr/bin/pasta ] || skip "needs passt's pasta (make deps)"
}

# pasta copies the host's routable interface: the outside link and a default route over it.
pasta_uplink() {
	outside_world
	ip -n "$NETNS" route add default via "$WAN_PEER"
}

# loopback_http_server PORT: an HTTP server on 127.0.0.1 of the test namespace answering
# "peer=ADDRESS".
loopback_http_server() {
	peer_http_server "$BATS_TEST_TMPDIR/loop.log" 127.0.0.1 "$1" nsenter --net="$NETNS_PATH"
}

# helper_pid: the PID of the one slirp4netns or pasta process in the test namespace.
helper_pid() {
	local p c
	for p in $(ns_pids); do
		c=$(cat "/proc/$p/comm" 2>/dev/null)
		case "$c" in slirp4netns | passt*) echo "$p" ;; esac
	done
	return 0
}

# helper_gone PID ID: that process has exited and the container's run directory holds none of
# the network's files (namespace, API socket, pid file, records).
helper_gone() {
	local pid=$1 id=$2 f
	wait_for 100 0.1 sh -c "! kill -0 $pid 2>/dev/null" || fail "the helper $pid is still running"
	for f in netns usernet.sock usernet.pid net.teardown net.json; do
		[ ! -e "$RBOX_RUNROOT/containers/$id/$f" ] || fail "left behind: $f"
	done
	assert_equal "$(store_netns_mounts)" ""
}

@test "slirp4netns: outbound traffic reaches the host's loopback only with allow_host_loopback=true" {
	slirp_requires
	loopback_http_server 7000
	run timeout 30 "$RBOX_BIN" run --rm --network slirp4netns:allow_host_loopback=true busybox \
		sh -c 'ip -o -4 addr show tap0; wget -q -O - http://10.0.2.2:7000/'
	assert_success
	assert_output --partial "inet 10.0.2.100/24"
	assert_output --partial "peer=127.0.0.1"
	run timeout 30 "$RBOX_BIN" run --rm --network slirp4netns:allow_host_loopback=false busybox \
		wget -q -O - http://10.0.2.2:7000/
	assert_failure
	refute_output --partial "peer="
	# podman's default: no host loopback
	run timeout 30 "$RBOX_BIN" run --rm --network slirp4netns busybox wget -q -O - http://10.0.2.2:7000/
	assert_failure
	assert_equal "$(helper_pid)" ""
}

@test "slirp4netns: a published port serves on 127.0.0.1; inspect and port show it; DNS is slirp's" {
	slirp_requires
	serve_http web --network slirp4netns:mtu=1500,port_handler=slirp4netns -p 8080:80 -p 9000/tcp
	run http_get http://127.0.0.1:8080/
	assert_success
	assert_output "hello from web"
	run rbox port web
	assert_success
	assert_line "80/tcp -> 0.0.0.0:8080"
	local hp
	hp=$(inspect_field web '.NetworkSettings.Ports["9000/tcp"][0].HostPort')
	[[ "$hp" =~ ^[0-9]+$ ]] && [ "$hp" != 0 ] || fail "no host port chosen for 9000/tcp: $hp"
	assert_equal "$(inspect_field web .HostConfig.NetworkMode)" "slirp4netns:mtu=1500,port_handler=slirp4netns"
	assert_equal "$(inspect_field web '.NetworkSettings.Ports["80/tcp"][0].HostPort')" 8080
	run rbox ps --format '{{.Ports}}'
	assert_output --partial "0.0.0.0:8080->80/tcp"
	run rbox exec web cat /etc/resolv.conf
	assert_line "nameserver 10.0.2.3"
	run rbox exec web cat /sys/class/net/tap0/mtu
	assert_output 1500
}

@test "slirp4netns: stop, rm -f and kill -9 of the monitor leave no helper and no file" {
	slirp_requires
	local id pid mon
	idle st --network slirp4netns -p 8080:80
	id=$(ctr_id st)
	pid=$(helper_pid)
	[ -n "$pid" ] || fail "no slirp4netns in the test namespace"
	run rbox stop -t 0 st
	assert_success
	helper_gone "$pid" "$id"
	# a restart gets a new helper, and the port again
	run rbox start st
	assert_success
	pid=$(helper_pid)
	[ -n "$pid" ] || fail "no slirp4netns after the restart"
	run rbox rm -f st
	assert_success
	helper_gone "$pid" "$id"
	# the monitor killed: slirp4netns goes by itself (its --exit-fd), before any rbox command
	idle orphan --network slirp4netns -p 8080:80
	id=$(ctr_id orphan)
	pid=$(helper_pid)
	mon=$(inspect_field orphan .State.MonitorPid)
	kill -9 "$mon"
	wait_for 100 0.1 sh -c "! kill -0 $pid 2>/dev/null" || fail "slirp4netns outlived its monitor"
	run rbox ps -a
	assert_success
	helper_gone "$pid" "$id"
	# and the port is free again
	idle again --network slirp4netns -p 8080:80
}

@test "slirp4netns and pasta: bad options give one line and leave nothing" {
	slirp_requires
	run_bad run --network slirp4netns:mtu=abc busybox true
	stderr_names mtu
	run_bad create --network slirp4netns:bogus=1 busybox true
	stderr_names bogus
	run_bad run --network slirp4netns:port_handler=rootlesskit busybox true
	stderr_names port_handler
	run_bad run --network slirp4netns:allow_host_loopback=maybe busybox true
	stderr_names allow_host_loopback
	run_bad run --network slirp4netns --network bridge busybox true
	stderr_names slirp4netns
	# a port slirp4netns cannot bind: the start fails, nothing stays
	loopback_http_server 7001
	run_bad run --rm --network slirp4netns -p 127.0.0.1:7001:80 busybox true
	stderr_names 7001
	assert_equal "$(helper_pid)" ""
	if [ -x /usr/bin/pasta ]; then
		pasta_uplink
		run_bad run --rm --network pasta:--no-such-option busybox true
		stderr_names pasta
		run_bad run --network pasta:--netns,/x busybox true
		stderr_names netns
		assert_equal "$(helper_pid)" ""
	fi
	assert_equal "$(ls "$RBOX_RUNROOT/containers" 2>/dev/null)" ""
}

@test "pasta: a published port serves on 127.0.0.1; DNS is the host's; stop leaves nothing" {
	pasta_requires
	pasta_uplink
	serve_http pweb --network pasta -p 8080:80
	run http_get http://127.0.0.1:8080/
	assert_success
	assert_output "hello from pweb"
	run rbox port pweb
	assert_line "80/tcp -> 0.0.0.0:8080"
	assert_equal "$(inspect_field pweb .HostConfig.NetworkMode)" pasta
	run rbox exec pweb cat /etc/resolv.conf
	assert_output --partial "$(host_nameservers | head -1)"
	local id pid
	id=$(ctr_id pweb)
	pid=$(helper_pid)
	[ -n "$pid" ] || fail "no pasta in the test namespace"
	run rbox stop -t 0 pweb
	assert_success
	helper_gone "$pid" "$id"
	run rbox start pweb
	assert_success
	pid=$(helper_pid)
	wait_for 50 0.1 rbox exec pweb wget -q -O /dev/null http://127.0.0.1/
	run http_get http://127.0.0.1:8080/
	assert_output "hello from pweb"
	run rbox rm -f pweb
	assert_success
	helper_gone "$pid" "$id"
}

@test "pasta: kill -9 of the monitor: the next rbox command stops pasta and removes everything" {
	pasta_requires
	pasta_uplink
	local id pid mon
	idle porphan --network pasta -p 8080:80
	id=$(ctr_id porphan)
	pid=$(helper_pid)
	[ -n "$pid" ] || fail "no pasta in the test namespace"
	mon=$(inspect_field porphan .State.MonitorPid)
	kill -9 "$mon"
	wait_for 50 0.1 sh -c "! kill -0 $mon 2>/dev/null"
	run rbox ps -a
	assert_success
	assert_equal "$(ctr_status porphan)" exited
	helper_gone "$pid" "$id"
	idle again --network pasta -p 8080:80
}

@test "default_network = \"slirp4netns\" in rbox.conf: a container without --network gets it" {
	slirp_requires
	rbox_conf 'default_network = "slirp4netns"'
	run timeout 30 "$RBOX_BIN" run --rm busybox sh -c 'cat /sys/class/net/tap0/mtu; cat /etc/resolv.conf'
	assert_success
	assert_line 65520
	assert_line "nameserver 10.0.2.3"
	assert_equal "$(helper_pid)" ""
}

@test "slirp4netns -P: the image's ExposedPorts on free host ports, served on 127.0.0.1" {
	slirp_requires
	rbox create --name ubase --network none busybox true >/dev/null
	rbox commit -c 'EXPOSE 80' -c 'CMD ["httpd", "-f", "-p", "80", "-h", "/etc"]' ubase uimg >/dev/null
	rbox run -d --name up -P --network slirp4netns uimg >/dev/null
	remember_ctr up
	run rbox port up 80
	assert_output --regexp '^0\.0\.0\.0:[0-9]+$'
	local port=${output##*:}
	wait_for 50 0.1 http_get "http://127.0.0.1:$port/hostname" || fail "nothing served on $port"
	run http_get "http://127.0.0.1:$port/hostname"
	assert_output "$(ctr_id up | cut -c1-12)"
	rbox rm -f up ubase >/dev/null
	rbox rmi uimg >/dev/null
}

@test "-p PORT/udp: datagrams reach the container (slirp4netns from 127.0.0.1 only with host loopback)" {
	slirp_requires
	[ -x "$RBOX_BUILD/test/udp-echo" ] || fail "build the test helpers first (make test-helpers)"
	# pasta needs the uplink; slirp4netns uses it as a non-loopback address of the "host"
	outside_world
	ip -n "$NETNS" route add default via "$WAN_PEER"
	local port=5353 mode addr
	# slirp4netns answers a datagram from the host's loopback to 10.0.2.2, which
	# allow_host_loopback=false (the default) drops: from another address it works
	local cases=("slirp4netns $WAN_HOST" "slirp4netns:allow_host_loopback=true 127.0.0.1")
	[ -x /usr/bin/pasta ] && cases+=("pasta 127.0.0.1")
	for c in "${cases[@]}"; do
		read -r mode addr <<<"$c"
		# the same port on both sides: Debian 12's pasta answers nothing on a remapped UDP port
		rbox run -d --name "u$port" --network "$mode" -p "$port:$port/udp" \
			-v "$RBOX_BUILD/test/udp-echo:/udp-echo:ro" busybox /udp-echo "$port" >/dev/null
		remember_ctr "u$port"
		wait_for 50 0.1 sh -c "'$RBOX_BIN' logs u$port | grep -q ready"
		run udp_ask "$addr" "$port" "ping $mode"
		[ "$status" = 0 ] || fail "--network $mode: no answer to a datagram from $addr"
		assert_output "echo: ping $mode"
		run rbox port "u$port"
		assert_output "$port/udp -> 0.0.0.0:$port"
		rbox rm -f "u$port" >/dev/null
		port=$((port + 1))
	done
	assert_equal "$(helper_pid)" ""
}
