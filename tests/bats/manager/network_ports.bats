#!/usr/bin/env bats
# rbox networking (issue 15): published ports (-p [IP:][HOSTPORT:]CPORT[/tcp|udp], ranges, a
# free port), `rbox port`, ps's PORTS, inspect's Ports; outbound masquerade and --internal. The
# "host" is the test's network namespace and "the outside" a second namespace linked to it
# (net_helpers.bash: 192.0.2.1 <-> 192.0.2.2); nothing reaches the machine's own network.

load net_helpers

@test "-p 8080:80: served on 127.0.0.1 and from the outside; port, ps and inspect show it" {
	outside_world
	serve_http web -p 8080:80
	run http_get http://127.0.0.1:8080/
	assert_success
	assert_output 'hello from web'
	run http_get --outside "http://$WAN_HOST:8080/"
	assert_success
	assert_output 'hello from web'
	run rbox port web
	assert_success
	assert_output '80/tcp -> 0.0.0.0:8080'
	run rbox port web 80
	assert_success
	assert_output '0.0.0.0:8080'
	run rbox port web 80/tcp
	assert_success
	assert_output '0.0.0.0:8080'
	run rbox ps
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
	assert_line --index 1 --regexp ' 0\.0\.0\.0:8080->80/tcp +web$'
	run rbox ps --format '{{.Names}} {{.Ports}}'
	assert_output 'web 0.0.0.0:8080->80/tcp'
	run rbox inspect web
	assert_equal "$(jq -c '.[0].NetworkSettings.Ports' <<<"$output")" '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}'
}

@test "rbox port: a port that is not published is an error" {
	serve_http web -p 8080:80
	run_bad port web 81
	stderr_names 81
}

@test "-p CPORT without a host port: a free port is chosen; port and inspect show it; it serves" {
	serve_http auto -p 80
	local hp
	hp=$(inspect_field auto '.NetworkSettings.Ports["80/tcp"][0].HostPort')
	[[ "$hp" =~ ^[0-9]+$ ]] && [ "$hp" -ge 1 ] && [ "$hp" -le 65535 ] || fail "HostPort: $hp"
	run rbox port auto 80/tcp
	assert_output "0.0.0.0:$hp"
	run http_get "http://127.0.0.1:$hp/"
	assert_success
	assert_output 'hello from auto'
}

@test "-p 8080-8081:80-81: a range, each host port to its container port" {
	rbox run -d --name rng -p 8080-8081:80-81 busybox sh -c \
		'mkdir -p /a /b; echo port80 >/a/index.html; echo port81 >/b/index.html; httpd -p 80 -h /a; exec httpd -f -p 81 -h /b' >/dev/null
	remember_ctr rng
	wait_for 50 0.1 rbox exec rng wget -q -O /dev/null http://127.0.0.1:81/
	run http_get http://127.0.0.1:8080/
	assert_output port80
	run http_get http://127.0.0.1:8081/
	assert_output port81
	run rbox port rng
	assert_line '80/tcp -> 0.0.0.0:8080'
	assert_line '81/tcp -> 0.0.0.0:8081'
	assert_equal "${#lines[@]}" 2
}

@test "-p 127.0.0.1:8082:80: served on loopback only, not from the outside" {
	outside_world
	serve_http local -p 127.0.0.1:8082:80
	run http_get http://127.0.0.1:8082/
	assert_success
	assert_output 'hello from local'
	run http_get --outside "http://$WAN_HOST:8082/"
	assert_failure
	run rbox port local
	assert_output '80/tcp -> 127.0.0.1:8082'
}

@test "-p 5353:5353/udp: datagrams from the outside reach the container and its answers come back" {
	[ -x "$RBOX_BUILD/test/udp-echo" ] || fail "build the test helpers first (make test-helpers)"
	outside_world
	rbox run -d --name udp -p 5353:5353/udp -v "$RBOX_BUILD/test/udp-echo:/udp-echo:ro" busybox /udp-echo 5353 >/dev/null
	remember_ctr udp
	wait_for 50 0.1 sh -c "'$RBOX_BIN' logs udp | grep -q ready"
	run udp_ask --outside "$WAN_HOST" 5353 ping
	assert_success
	assert_output 'echo: ping'
	run rbox port udp
	assert_output '5353/udp -> 0.0.0.0:5353'
}

@test "outbound traffic is masqueraded: the outside sees the host's address, on a user network and on the default one" {
	outside_world
	outside_http_server 7000
	rbox network create n1 >/dev/null
	run timeout 30 "$RBOX_BIN" run --rm --network n1 busybox wget -q -O - "http://$WAN_PEER:7000/"
	assert_success
	assert_output "peer=$WAN_HOST"
	run timeout 30 "$RBOX_BIN" run --rm busybox wget -q -O - "http://$WAN_PEER:7000/"
	assert_success
	assert_output "peer=$WAN_HOST"
}

@test "--internal: no way out, but the containers on it talk to each other" {
	outside_world
	outside_http_server 7000
	rbox network create --internal --subnet 10.79.11.0/24 inet >/dev/null
	serve_http in1 --network inet
	run timeout 30 "$RBOX_BIN" run --rm --network inet busybox sh -c \
		"wget -q -O - http://in1/; if wget -q -O - http://$WAN_PEER:7000/; then echo REACHED; fi"
	assert_line 'hello from in1'
	refute_line --partial REACHED
	run grep -c peer= "$BATS_TEST_TMPDIR/outside.log"
	assert_output 0
}

@test "bad -p values (70000:80, abc, a mismatched range, an unknown protocol): one line, nothing left" {
	run_bad run -p 70000:80 busybox true
	stderr_names 70000
	run_bad create -p abc busybox true
	stderr_names abc
	run_bad run -p 8080-8082:80-81 busybox true
	stderr_names 8080-8082
	run_bad run -p 8080:80/sctpx busybox true
	stderr_names sctpx
}

@test "-p of a host port another container published: one line, nothing left; the first still serves" {
	serve_http first -p 8090:80
	run_bad run -d -p 8090:80 busybox sleep 100
	stderr_names 8090
	run http_get http://127.0.0.1:8090/
	assert_output 'hello from first'
}

@test "create sets up no network; start does, and publishes the port" {
	rbox create --name cs -p 8085:80 busybox sh -c \
		'mkdir -p /tmp/www && echo hello from cs >/tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www' >/dev/null
	remember_ctr cs
	assert_equal "$(ns_veths)" ""
	run in_ns iptables-save
	refute_output --partial 8085
	rbox start cs >/dev/null
	wait_for 50 0.1 rbox exec cs wget -q -O /dev/null http://127.0.0.1/
	assert_equal "$(ns_veths | wc -l)" 1
	run http_get http://127.0.0.1:8085/
	assert_success
	assert_output 'hello from cs'
}
