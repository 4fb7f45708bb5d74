#!/usr/bin/env bats
# rbox networking (issue 15): the network commands (create, ls, inspect, rm, prune, connect,
# disconnect), run --network none|host|bridge|container:C|ns:PATH|NAME (repeatable), --ip,
# --hostname, --add-host, --dns*, inspect's NetworkSettings, the config file's network keys.
# Every rbox command runs in the test's own network namespace (net_helpers.bash), whose clean
# state is checked after every test.

load net_helpers

@test "network create prints the ID; ls, ls -q, ls --format and inspect show it as docker does" {
	run rbox network create tnet
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	local id=$output
	run rbox network ls
	assert_success
	assert_line --index 0 --regexp '^NETWORK ID +NAME +DRIVER +SCOPE$'
	assert_line --regexp "^${id:0:12} +tnet +bridge +local$"
	run rbox network ls -q
	assert_success
	assert_line "${id:0:12}"
	local l
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^[0-9a-f]{12}$ ]] || fail "network ls -q: not a 12-character ID: $l"
	done
	run rbox network ls --format '{{.Name}} {{.Driver}} {{.ID}}'
	assert_success
	assert_line "tnet bridge ${id:0:12}"
	run rbox network inspect tnet
	assert_success
	local j=$output
	assert_equal "$(jq -r 'length' <<<"$j")" 1
	assert_equal "$(jq -r '.[0].Name' <<<"$j")" tnet
	assert_equal "$(jq -r '.[0].Id' <<<"$j")" "$id"
	assert_equal "$(jq -r '.[0].Driver' <<<"$j")" bridge
	assert_equal "$(jq -r '.[0].Scope' <<<"$j")" local
	assert_equal "$(jq -r '.[0].EnableIPv6' <<<"$j")" false
	assert_equal "$(jq -r '.[0].Internal' <<<"$j")" false
	assert_equal "$(jq -c '.[0].Labels' <<<"$j")" '{}'
	assert_equal "$(jq -c '.[0].Containers' <<<"$j")" '{}'
	[ -n "$(jq -r '.[0].Created // empty' <<<"$j")" ] || fail "no Created in $j"
	local subnet gw
	subnet=$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$j")
	gw=$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$j")
	[[ "$subnet" =~ ^10\.78\.[0-9]+\.0/24$ ]] || fail "a user network's subnet is not a /24 of 10.78.0.0/16: $subnet"
	assert_equal "$gw" "${subnet%.0/24}.1"
	# by ID prefix too, and several at once
	rbox network create tnet2 >/dev/null
	run rbox network inspect "${id:0:12}" tnet2
	assert_success
	assert_equal "$(jq -r '.[].Name' <<<"$output" | tr '\n' ' ')" "tnet tnet2 "
	run rbox network rm tnet tnet2
	assert_success
	assert_output $'tnet\ntnet2'
	run rbox network inspect tnet
	assert_failure
	refute_line --regexp '"Name"'
}

@test "network create --subnet --gateway --internal --label: in inspect" {
	rbox network create --subnet 10.79.5.0/24 --gateway 10.79.5.254 --internal --label team=net --label x=y inet >/dev/null
	run rbox network inspect inet
	assert_success
	assert_equal "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$output")" 10.79.5.0/24
	assert_equal "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$output")" 10.79.5.254
	assert_equal "$(jq -r '.[0].Internal' <<<"$output")" true
	assert_equal "$(jq -c '.[0].Labels' <<<"$output")" '{"team":"net","x":"y"}'
	idle onit --network inet
	local ip
	ip=$(ctr_ip onit inet)
	[[ "$ip" =~ ^10\.79\.5\.[0-9]+$ ]] || fail "address $ip is not in 10.79.5.0/24"
	assert_equal "$(inspect_field onit '.NetworkSettings.Networks.inet.Gateway')" 10.79.5.254
	assert_equal "$(iface_of_addr 10.79.5.254 | grep -cE '^rbox[0-9]+$')" 1
}

@test "user networks get successive /24s of 10.78.0.0/16 and bridges rbox1, rbox2...; the default network is rbox0 on 10.77.0.0/24" {
	rbox network create n1 >/dev/null
	rbox network create n2 >/dev/null
	local s1 s2
	s1=$(net_subnet n1)
	s2=$(net_subnet n2)
	[[ "$s1" =~ ^10\.78\.[0-9]+\.0/24$ ]] || fail "n1: $s1"
	[[ "$s2" =~ ^10\.78\.[0-9]+\.0/24$ ]] || fail "n2: $s2"
	[ "$s1" != "$s2" ] || fail "n1 and n2 got the same subnet $s1"
	idle ca --network n1
	idle cb --network n2
	idle cc
	local ia ib ic
	ia=$(ctr_ip ca n1)
	ib=$(ctr_ip cb n2)
	ic=$(ctr_ip cc rbox)
	[[ "$ia" == "${s1%.0/24}."* ]] || fail "a's address $ia is not in $s1"
	[[ "$ib" == "${s2%.0/24}."* ]] || fail "b's address $ib is not in $s2"
	[[ "$ic" =~ ^10\.77\.0\.[0-9]+$ ]] || fail "c's address $ic is not in 10.77.0.0/24"
	assert_equal "$(iface_of_addr 10.77.0.1)" rbox0
	local b1 b2
	b1=$(iface_of_addr "${s1%.0/24}.1")
	b2=$(iface_of_addr "${s2%.0/24}.1")
	[[ "$b1" =~ ^rbox[1-9][0-9]*$ ]] || fail "n1's gateway is on '$b1', not on a bridge rboxN"
	[[ "$b2" =~ ^rbox[1-9][0-9]*$ ]] || fail "n2's gateway is on '$b2', not on a bridge rboxN"
	[ "$b1" != "$b2" ] || fail "n1 and n2 share the bridge $b1"
	assert_equal "$(ns_veths | wc -l)" 3
}

@test "network rm: prints the names; in use: refused naming the container; -f: no error for a missing network" {
	rbox network create n1 >/dev/null
	rbox network create n2 >/dev/null
	idle user1 --network n1
	run_bad network rm n1
	stderr_names user1
	run rbox network rm n2
	assert_success
	assert_output n2
	run_bad network rm nosuch
	stderr_names nosuch
	run rbox network rm -f nosuch
	assert_success
	rbox rm -f user1 >/dev/null
	run rbox network rm n1
	assert_success
	assert_output n1
	run rbox network ls --format '{{.Name}}'
	refute_line n1
	refute_line n2
}

@test "the default network cannot be removed" {
	run_bad network rm rbox
	stderr_names rbox
}

@test "network prune -f: removes the unused networks (Deleted Networks:), keeps those in use" {
	rbox network create n1 >/dev/null
	rbox network create n2 >/dev/null
	rbox network create n3 >/dev/null
	idle cu --network n2
	run rbox network prune -f
	assert_success
	assert_line --index 0 'Deleted Networks:'
	assert_line n1
	assert_line n3
	refute_line n2
	refute_line rbox
	run rbox network ls --format '{{.Name}}'
	assert_line n2
	refute_line n1
	refute_line n3
}

@test "network create: an existing name, an overlapping or bad --subnet, a --gateway outside it: one line, nothing made" {
	rbox network create --subnet 10.79.1.0/24 n1 >/dev/null
	run_bad network create n1
	stderr_names n1
	run_bad network create --subnet 10.79.1.128/25 n2
	stderr_names 10.79.1.128/25
	run_bad network create --subnet 10.77.0.0/16 n3
	stderr_names 10.77.0.0/16
	run_bad network create --subnet garbage n4
	stderr_names garbage
	run_bad network create --subnet 10.79.2.0/33 n5
	stderr_names 10.79.2.0/33
	run_bad network create --subnet 10.79.3.0/24 --gateway 10.79.4.1 n6
	stderr_names 10.79.4.1
}

@test "run/create on an unknown network: one line, nothing left" {
	run_bad run --network nosuch busybox true
	stderr_names nosuch
	run_bad create --network nosuch busybox true
	stderr_names nosuch
}

@test "run --ip outside the network's subnet, or not an address: one line, nothing left" {
	rbox network create --subnet 10.79.6.0/24 n1 >/dev/null
	run_bad run --network n1 --ip garbage busybox true
	stderr_names garbage
	run_bad run --network n1 --ip 10.79.7.10 busybox true
	stderr_names 10.79.7.10
}

@test "run --ip already used by another container: one line, nothing left; the other keeps it" {
	rbox network create --subnet 10.79.6.0/24 n1 >/dev/null
	idle ca --network n1 --ip 10.79.6.10
	assert_equal "$(ctr_ip ca n1)" 10.79.6.10
	run_bad run -d --network n1 --ip 10.79.6.10 busybox sleep 100
	stderr_names 10.79.6.10
	assert_equal "$(ns_veths | wc -l)" 1
	run rbox exec ca ip -o -4 addr show eth0
	assert_output --partial 10.79.6.10/24
}

@test "--network none: loopback only, nothing on the host side" {
	idle iso --network none
	run rbox exec iso ls /sys/class/net
	assert_success
	assert_output lo
	run rbox exec iso ip -o -4 addr
	assert_output --regexp '^1: +lo +inet 127\.0\.0\.1/8'
	assert_equal "${#lines[@]}" 1
	assert_equal "$(ns_veths)" ""
	assert_equal "$(inspect_field iso .NetworkSettings.IPAddress)" ""
}

@test "--network host: the host's network (here the test's namespace)" {
	# an address only the test's namespace has
	in_ns ip addr add 198.51.100.9/32 dev lo
	run rbox run --rm --network host busybox ip -o -4 addr show lo
	assert_success
	assert_output --partial 'inet 198.51.100.9/32'
	assert_equal "$(ns_veths)" ""
}

@test "the default network: no --network and --network bridge join rbox (10.77.0.0/24); resolv.conf has the host's resolvers; /etc/hosts the container's name" {
	idle d1
	serve_http d2 --network bridge
	assert_equal "$(inspect_field d1 '.NetworkSettings.Networks | keys | join(" ")')" rbox
	assert_equal "$(inspect_field d2 '.NetworkSettings.Networks | keys | join(" ")')" rbox
	local ip1 ip2
	ip1=$(ctr_ip d1 rbox)
	ip2=$(ctr_ip d2 rbox)
	[[ "$ip1" =~ ^10\.77\.0\.[0-9]+$ ]] || fail "d1: $ip1"
	[[ "$ip2" =~ ^10\.77\.0\.[0-9]+$ ]] || fail "d2: $ip2"
	[ "$ip1" != "$ip2" ] || fail "d1 and d2 have the same address $ip1"
	# docker fills the top-level fields for the default bridge
	assert_equal "$(inspect_field d1 .NetworkSettings.IPAddress)" "$ip1"
	assert_equal "$(inspect_field d1 .NetworkSettings.Gateway)" 10.77.0.1
	run rbox exec d1 grep '^nameserver' /etc/resolv.conf
	assert_output "$(host_nameservers)"
	local h
	h=$(rbox exec d1 hostname)
	run rbox exec d1 cat /etc/hosts
	assert_line --regexp "^${ip1//./\\.}[[:space:]].*\\b$h\\b"
	# by address, through the bridge
	run timeout 20 "$RBOX_BIN" exec d1 wget -q -O - "http://$ip2/"
	assert_success
	assert_output 'hello from d2'
	# no DNS server on the default network
	assert_equal "$(aardvark_pids)" ""
}

@test "--network container:C shares C's network stack" {
	rbox network create tnet >/dev/null
	serve_http web --network tnet
	local ip mac
	ip=$(ctr_ip web tnet)
	mac=$(inspect_field web '.NetworkSettings.Networks.tnet.MacAddress')
	run rbox run --rm --network container:web busybox sh -c \
		'ip -o -4 addr show eth0; cat /sys/class/net/eth0/address; wget -q -O - http://127.0.0.1/'
	assert_success
	assert_line --partial "inet $ip/24"
	assert_line "$mac"
	assert_line 'hello from web'
	assert_equal "$(ns_veths | wc -l)" 1
}

@test "--network ns:PATH joins that network namespace" {
	local other="rbxp-$$-$BATS_TEST_NUMBER"
	extra_netns "$other"
	ip -n "$other" link set lo up
	ip -n "$other" addr add 198.51.100.7/32 dev lo
	run rbox run --rm --network "ns:/run/netns/$other" busybox ip -o -4 addr show lo
	assert_success
	assert_output --partial 'inet 198.51.100.7/32'
	assert_equal "$(ns_veths)" ""
}

@test "two --network: eth0 on the first, eth1 on the second, reachable on both" {
	rbox network create --subnet 10.79.20.0/24 n1 >/dev/null
	rbox network create --subnet 10.79.21.0/24 n2 >/dev/null
	serve_http multi --network n1 --network n2
	assert_equal "$(inspect_field multi '.NetworkSettings.Networks | keys | join(" ")')" "n1 n2"
	local i1 i2
	i1=$(ctr_ip multi n1)
	i2=$(ctr_ip multi n2)
	[[ "$i1" =~ ^10\.79\.20\.[0-9]+$ ]] || fail "n1: $i1"
	[[ "$i2" =~ ^10\.79\.21\.[0-9]+$ ]] || fail "n2: $i2"
	run rbox exec multi ip -o -4 addr show eth0
	assert_output --partial "inet $i1/24"
	run rbox exec multi ip -o -4 addr show eth1
	assert_output --partial "inet $i2/24"
	idle c1 --network n1
	idle c2 --network n2
	run timeout 20 "$RBOX_BIN" exec c1 wget -q -O - "http://$i1/"
	assert_output 'hello from multi'
	run timeout 20 "$RBOX_BIN" exec c2 wget -q -O - http://multi/
	assert_output 'hello from multi'
	local id
	id=$(ctr_id multi)
	run rbox network inspect n2
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id].Name' <<<"$output")" multi
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id].IPv4Address' <<<"$output")" "$i2/24"
	assert_equal "$(ns_veths | wc -l)" 4
}

@test "network connect and disconnect a running container" {
	rbox network create --subnet 10.79.22.0/24 n1 >/dev/null
	rbox network create --subnet 10.79.23.0/24 n2 >/dev/null
	serve_http app --network n1
	idle peer --network n2
	local id
	id=$(ctr_id app)
	run rbox network connect --alias appalias --ip 10.79.23.50 n2 app
	assert_success
	assert_equal "$(inspect_field app '.NetworkSettings.Networks | keys | join(" ")')" "n1 n2"
	assert_equal "$(ctr_ip app n2)" 10.79.23.50
	inspect_field app '.NetworkSettings.Networks.n2.Aliases[]' | grep -qx appalias ||
		fail "appalias not in the aliases: $(inspect_field app .NetworkSettings.Networks.n2.Aliases)"
	run rbox exec app ip -o -4 addr show eth1
	assert_output --partial 'inet 10.79.23.50/24'
	run timeout 20 "$RBOX_BIN" exec peer wget -q -O - http://app/
	assert_output 'hello from app'
	run timeout 20 "$RBOX_BIN" exec peer wget -q -O - http://appalias/
	assert_output 'hello from app'
	run rbox network inspect n2
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id].Name' <<<"$output")" app
	assert_equal "$(ns_veths | wc -l)" 3
	run rbox network disconnect n2 app
	assert_success
	assert_equal "$(inspect_field app '.NetworkSettings.Networks | keys | join(" ")')" n1
	run rbox exec app ip link show eth1
	assert_failure
	run timeout 8 "$RBOX_BIN" exec peer wget -q -O - http://10.79.23.50/
	assert_failure
	run rbox network inspect n2
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id] // "gone"' <<<"$output")" gone
	assert_equal "$(ns_veths | wc -l)" 2
	run in_ns iptables-save
	refute_output --partial 10.79.23.50
	# still served on n1
	run timeout 20 "$RBOX_BIN" exec app wget -q -O - "http://$(ctr_ip app n1)/"
	assert_output 'hello from app'
}

@test "--ip, --hostname, --add-host, --dns, --dns-search, --dns-option: in the container's files" {
	rbox network create --subnet 10.79.9.0/24 n1 >/dev/null
	run rbox run --rm --network n1 --ip 10.79.9.77 --hostname myhost --add-host db.local:10.1.2.3 \
		--dns 10.79.9.53 --dns-search example.test --dns-option ndots:2 busybox sh -c \
		'hostname; ip -o -4 addr show eth0; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf'
	assert_success
	assert_line --index 0 myhost
	assert_line --partial 'inet 10.79.9.77/24'
	assert_line --regexp '^10\.79\.9\.77[[:space:]].*\bmyhost\b'
	assert_line --regexp '^10\.1\.2\.3[[:space:]]+db\.local$'
	assert_line 'nameserver 10.79.9.53'
	assert_line --regexp '^search( .*)? example\.test( |$)'
	assert_line --regexp '^options( .*)? ndots:2( |$)'
}

@test "inspect .NetworkSettings: Networks with IPAddress, Gateway, MacAddress, IPPrefixLen, NetworkID, Aliases; network inspect's Containers" {
	local nid
	nid=$(rbox network create --subnet 10.79.10.0/24 n1)
	idle ins --network n1 --network-alias al1
	local id j ip mac
	id=$(ctr_id ins)
	j=$(rbox inspect ins)
	ip=$(jq -r '.[0].NetworkSettings.Networks.n1.IPAddress' <<<"$j")
	mac=$(jq -r '.[0].NetworkSettings.Networks.n1.MacAddress' <<<"$j")
	[[ "$ip" =~ ^10\.79\.10\.[0-9]+$ ]] || fail "IPAddress: $ip"
	[[ "$mac" =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || fail "MacAddress: $mac"
	assert_equal "$(rbox exec ins cat /sys/class/net/eth0/address)" "$mac"
	assert_equal "$(jq -r '.[0].NetworkSettings.Networks.n1.Gateway' <<<"$j")" 10.79.10.1
	assert_equal "$(jq -r '.[0].NetworkSettings.Networks.n1.IPPrefixLen' <<<"$j")" 24
	assert_equal "$(jq -r '.[0].NetworkSettings.Networks.n1.NetworkID' <<<"$j")" "$nid"
	jq -r '.[0].NetworkSettings.Networks.n1.Aliases[]' <<<"$j" | grep -qx al1 || fail "al1 not in the aliases: $j"
	assert_equal "$(jq -c '.[0].NetworkSettings.Ports' <<<"$j")" '{}'
	run rbox network inspect n1
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id].Name' <<<"$output")" ins
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id].IPv4Address' <<<"$output")" "$ip/24"
	assert_equal "$(jq -r --arg id "$id" '.[0].Containers[$id].MacAddress' <<<"$output")" "$mac"
}

@test "RBOX_CONFIG: the suite's config (default_network = none) gives loopback only; default_network = host" {
	export RBOX_CONFIG="$REPO_ROOT/tests/fixtures/rbox-test.conf"
	run rbox run --rm busybox ls /sys/class/net
	assert_success
	assert_output lo
	assert_equal "$(ns_veths)" ""
	in_ns ip addr add 198.51.100.9/32 dev lo
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
	rbox_conf '# the host network by default' 'default_network = "host"'
	run rbox run --rm busybox ip -o -4 addr show lo
	assert_success
	assert_output --partial 'inet 198.51.100.9/32'
}

@test "RBOX_CONFIG: default_subnet and subnet_pool move the default network and the user networks" {
	rbox_conf '# moved' 'default_network = "bridge"' 'default_subnet = "10.66.0.0/24"' \
		'subnet_pool = "10.67.0.0/16"  # user networks'
	idle ca
	local ip
	ip=$(ctr_ip ca rbox)
	[[ "$ip" =~ ^10\.66\.0\.[0-9]+$ ]] || fail "the default network's address $ip is not in 10.66.0.0/24"
	assert_equal "$(iface_of_addr 10.66.0.1)" rbox0
	rbox network create n1 >/dev/null
	run net_subnet n1
	assert_output --regexp '^10\.67\.[0-9]+\.0/24$'
}

@test "RBOX_CONFIG: a bad value is one line naming it, and nothing is made" {
	rbox_conf 'default_network = "bogus"'
	run_bad run --rm busybox true
	stderr_names bogus
	rbox_conf 'default_subnet = "10.66.0.0/99"'
	run_bad run --rm busybox true
	stderr_names 10.66.0.0/99
}

@test "build --network bridge: RUN steps on the default network, nothing left after the build" {
	printf 'FROM busybox\nRUN ip -o -4 addr show eth0 | awk "{print \\$4}" > /addr\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build --no-cache --network bridge -t nb "$BATS_TEST_TMPDIR"
	assert_success
	run rbox run --rm --network none nb cat /addr
	assert_output --regexp '^10\.77\.0\.[0-9]+/24$'
	rbox rmi nb >/dev/null
	rbox image prune -f >/dev/null # the build's intermediate images hold the address too
}

@test "-P publishes the image's ExposedPorts; ps --filter network=, publish=, expose=" {
	rbox create --name pbase --network none busybox true >/dev/null
	rbox commit -c 'EXPOSE 80' -c 'CMD ["httpd", "-f", "-p", "80", "-h", "/etc"]' pbase pimg >/dev/null
	rbox network create fnet >/dev/null
	rbox run -d --name pp -P pimg >/dev/null
	rbox run -d --name pn --network fnet busybox sleep 300 >/dev/null
	run rbox port pp 80
	assert_output --regexp '^0\.0\.0\.0:[0-9]+$'
	local port=${output##*:}
	run rbox ps --filter publish="$port" --format '{{.Names}}'
	assert_output pp
	run rbox ps --filter expose=80/tcp --format '{{.Names}}'
	assert_output pp
	run rbox ps --filter network=fnet --format '{{.Names}}'
	assert_output pn
	run rbox ps -a --filter network=none --format '{{.Names}}'
	assert_output pbase
	rbox rm -f pp pn pbase >/dev/null
	rbox rmi pimg >/dev/null
}

@test "network ls --filter name, id, driver, label, dangling, type; bad filters are one line" {
	local a b
	a=$(rbox network create --label env=prod fa)
	b=$(rbox network create --label env=dev fb)
	rbox create --name user --network fb busybox true >/dev/null
	run rbox network ls --format '{{.Name}}' --filter name=f
	assert_output $'fa\nfb'
	run rbox network ls -q --filter "id=${a:0:8}"
	assert_output "${a:0:12}"
	run rbox network ls --format '{{.Name}}' --filter label=env=dev
	assert_output fb
	run rbox network ls --format '{{.Name}}' --filter label=env
	assert_output $'fa\nfb'
	run rbox network ls --format '{{.Name}}' -f type=builtin
	assert_output rbox
	run rbox network ls --format '{{.Name}}' -f type=custom -f name=fa -f name=fb
	assert_output $'fa\nfb'
	run rbox network ls --format '{{.Name}}' -f dangling=true
	assert_output fa
	run rbox network ls --format '{{.Name}}' -f dangling=false -f type=custom
	assert_output fb
	run rbox network ls -f driver=macvlan
	assert_output --regexp '^NETWORK ID +NAME +DRIVER +SCOPE$'
	local bad
	for bad in nope=1 dangling=maybe type=other label= noequals; do
		run rbox network ls -f "$bad"
		assert_failure 125
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '^rbox: invalid filter'
	done
	rbox rm user >/dev/null
	rbox network rm fa fb >/dev/null
}
