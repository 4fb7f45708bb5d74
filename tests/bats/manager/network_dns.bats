#!/usr/bin/env bats
# rbox networking (issue 15): DNS on user networks (aardvark-dns on the gateway): containers
# resolve each other by name and by --network-alias, per network; /etc/resolv.conf names the
# gateway; the default network has none (the host's resolvers, as docker's default bridge).
# Every rbox command runs in the test's own network namespace (net_helpers.bash).

load net_helpers

@test "two containers on a user network talk by name and by --network-alias" {
	rbox network create n1 >/dev/null
	serve_http srv --network n1 --network-alias web --network-alias www
	idle cli --network n1
	local h
	for h in srv web www; do
		run timeout 20 "$RBOX_BIN" exec cli wget -q -O - "http://$h/"
		assert_success
		assert_output 'hello from srv'
	done
	run rbox exec cli nslookup srv
	assert_success
	assert_output --partial "$(ctr_ip srv n1)"
	run rbox exec srv nslookup cli
	assert_success
	assert_output --partial "$(ctr_ip cli n1)"
}

@test "a user network: resolv.conf names its gateway; /etc/hosts has the container's name and address" {
	rbox network create --subnet 10.79.12.0/24 n1 >/dev/null
	idle h1 --network n1
	run rbox exec h1 grep '^nameserver' /etc/resolv.conf
	assert_output 'nameserver 10.79.12.1'
	local ip h
	ip=$(ctr_ip h1 n1)
	h=$(rbox exec h1 hostname)
	run rbox exec h1 cat /etc/hosts
	assert_line --regexp "^${ip//./\\.}[[:space:]].*\\b$h\\b"
	assert_line --regexp "^${ip//./\\.}[[:space:]].*\\bh1\\b"
}

@test "names resolve per network: a container on another network does not see them" {
	rbox network create n1 >/dev/null
	rbox network create n2 >/dev/null
	idle ca --network n1
	idle cb --network n2
	run rbox exec ca nslookup ca
	assert_success
	assert_output --partial "$(ctr_ip ca n1)"
	run timeout 20 "$RBOX_BIN" exec cb nslookup ca
	refute_output --partial "$(ctr_ip ca n1)"
}

@test "the default network has no DNS: the host's resolvers, no aardvark-dns, other containers are not names" {
	idle d1
	idle d2
	run rbox exec d1 grep '^nameserver' /etc/resolv.conf
	assert_output "$(host_nameservers)"
	assert_equal "$(aardvark_pids)" ""
	run rbox exec d1 grep -w d2 /etc/hosts
	assert_failure
}

@test "network connect --alias: resolvable on the network joined; gone after disconnect" {
	rbox network create n1 >/dev/null
	rbox network create n2 >/dev/null
	serve_http late --network n1
	idle asker --network n2
	rbox network connect --alias latealias n2 late
	run timeout 20 "$RBOX_BIN" exec asker wget -q -O - http://latealias/
	assert_success
	assert_output 'hello from late'
	local ip2
	ip2=$(ctr_ip late n2)
	rbox network disconnect n2 late
	run timeout 20 "$RBOX_BIN" exec asker nslookup latealias
	refute_output --partial "$ip2"
}
