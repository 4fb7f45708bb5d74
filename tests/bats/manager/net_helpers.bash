# net_helpers.bash - the network suites (network*.bats). The machine's own network is never
# touched: every test creates a network namespace (rbxt-PID-N, lo up) and EVERY rbox command of
# the test runs inside it through `nsenter --net=` (not `ip netns exec`, whose new mount
# namespace would hide the overlay and netns mounts rbox makes). $RBOX_BIN is a wrapper script
# that enters the namespace, so the manager helpers (rbox, rbox_bg, the teardown's rm -f) go
# through it too. Bridges, veths, firewall rules and aardvark-dns exist only in that namespace.
# `outside_world` adds a second namespace, "the outside", linked by a veth pair on TEST-NET-1:
#   test namespace  wan0 192.0.2.1/24  <->  eth0 192.0.2.2/24  outside namespace
# The outside has no route back to the container subnets, so a connection from a container that
# reaches it was masqueraded. Traffic goes only to loopback or to addresses in these namespaces.
#
# Teardown (also when the test failed): every container removed inside the namespace, then the
# clean state is checked (no veth, no firewall rule naming a container, no file of the store
# naming a removed container or holding its address: IPAM leases and aardvark-dns entries, no
# process left in the namespace: aardvark-dns, no new netns file), then the processes the test
# started are killed by PID and the namespaces deleted.

load helpers
# the manager suites' teardown, wrapped by this file's
eval "manager_teardown() $(declare -f teardown | tail -n +2)"

NETAVARK=/usr/lib/podman/netavark
AARDVARK=/usr/lib/podman/aardvark-dns
# The outside world's addresses (TEST-NET-1, RFC 5737).
WAN_HOST=192.0.2.1
WAN_PEER=192.0.2.2
# The subnets the network tests use (rbox's defaults 10.77.0.0/24 and 10.78.0.0/16, and the
# ones the tests choose): addresses of these found after a test are leftovers.
NET_ADDR_RE='10\.(6[0-9]|7[0-9])\.[0-9]{1,3}\.[0-9]{1,3}'
# The firewall chains netavark keeps once no container is left (podman leaves them too).
NETAVARK_BASE_CHAINS_RE='^:(NETAVARK_FORWARD|NETAVARK_INPUT|NETAVARK_ISOLATION_[0-9]+|NETAVARK-HOSTPORT-DNAT|NETAVARK-HOSTPORT-SETMARK|NETAVARK-HOSTPORT-MASQ) '

# in_ns CMD...: run CMD in the test's network namespace.
in_ns() {
	nsenter --net="$NETNS_PATH" "$@"
}

# in_outside CMD...: run CMD in the outside world's namespace.
in_outside() {
	nsenter --net="$OUTNS_PATH" "$@"
}

net_requires() {
	requires root cmd:ip cmd:nsenter cmd:iptables-save cmd:python3
	[ -x "$NETAVARK" ] || skip "needs netavark (make deps)"
	[ -x "$AARDVARK" ] || skip "needs aardvark-dns (make deps)"
	[ -x /bin/busybox ] || skip "needs busybox-static (make deps)"
}

setup() {
	net_requires
	# the manager suites' private store and cgroup parent
	export RBOX_ROOT="$BATS_TEST_TMPDIR/root"
	export RBOX_RUNROOT="$BATS_TEST_TMPDIR/run"
	export RBOX_CGROUP_PARENT="$CG_PREFIX"
	STATE_ROOT="$RBOX_RUNROOT/runtime"
	unset BUNDLE
	NET_PIDS=()
	NET_CTR_IDS=()
	NETNS="rbxt-$$-$BATS_TEST_NUMBER"
	NETNS_PATH="/run/netns/$NETNS"
	OUTNS=
	OUTNS_PATH=
	EXTRA_NETNS=()
	NETNS_BEFORE=$(ls /run/netns 2>/dev/null | sort)
	ip netns add "$NETNS" || fail "cannot create the test's network namespace $NETNS"
	ip -n "$NETNS" link set lo up
	NETNS_INODE=$(stat -L -c %i "$NETNS_PATH")
	# rbox's built-in defaults (bridge, 10.77.0.0/24, 10.78.0.0/16), whatever /etc/rbox says
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
	echo '# network tests: rbox built-in defaults' >"$RBOX_CONFIG"
	REAL_RBOX_BIN="$RBOX_BUILD/bin/rbox"
	RBOX_BIN="$BATS_TEST_TMPDIR/rbox-in-netns"
	cat >"$RBOX_BIN" <<-EOS
		#!/bin/sh
		exec nsenter --net="$NETNS_PATH" "$REAL_RBOX_BIN" "\$@"
	EOS
	chmod +x "$RBOX_BIN"
}

# rbox_conf LINE...: this test's config file (RBOX_CONFIG) holds these lines.
rbox_conf() {
	printf '%s\n' "$@" >"$RBOX_CONFIG"
}

# outside_world: the second namespace and its veth link (addresses above).
outside_world() {
	OUTNS="rbxo-$$-$BATS_TEST_NUMBER"
	OUTNS_PATH="/run/netns/$OUTNS"
	ip netns add "$OUTNS" || fail "cannot create the outside namespace $OUTNS"
	ip -n "$OUTNS" link set lo up
	# created inside the test namespace, its peer moved straight into the outside one
	ip -n "$NETNS" link add wan0 type veth peer name eth0 netns "$OUTNS"
	ip -n "$NETNS" addr add "$WAN_HOST/24" dev wan0
	ip -n "$NETNS" link set wan0 up
	ip -n "$OUTNS" addr add "$WAN_PEER/24" dev eth0
	ip -n "$OUTNS" link set eth0 up
}

# extra_netns NAME: another namespace (for ns:PATH); prints nothing, deleted at teardown.
extra_netns() {
	ip netns add "$1" || fail "cannot create $1"
	EXTRA_NETNS+=("$1")
}

# peer_http_server LOG ADDR PORT CMD...: an HTTP server on ADDR:PORT, started through CMD (what
# enters its namespace), whose every answer is "peer=ADDRESS" (the address it sees the client
# from); each request is logged to LOG.
peer_http_server() {
	local log=$1 addr=$2 port=$3
	shift 3
	"$@" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
print("ready", flush=True)
while True:
    c, a = s.accept()
    c.settimeout(3)
    try:
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(1024)
            if not d:
                break
            req += d
        print("peer=" + a[0], flush=True)
        c.sendall(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npeer=" + a[0] + "\n").encode())
    except OSError:
        pass
    c.close()
' "$addr" "$port" >"$log" 2>&1 </dev/null 3>&- &
	NET_PIDS+=($!)
	wait_for 50 0.1 grep -q ready "$log"
}

# outside_http_server PORT: peer_http_server on the outside world's address, logged to
# $BATS_TEST_TMPDIR/outside.log.
outside_http_server() {
	peer_http_server "$BATS_TEST_TMPDIR/outside.log" "$WAN_PEER" "$1" in_outside
}

# http_get [--outside] URL: busybox wget (10 s at most; not its -T, which crashes busybox 1.35) from the test namespace (the "host") or
# from the outside one; prints the body.
http_get() {
	local ns=$NETNS_PATH
	if [ "$1" = --outside ]; then
		ns=$OUTNS_PATH
		shift
	fi
	timeout 10 nsenter --net="$ns" /bin/busybox wget -q -O - "$1"
}

# udp_ask [--outside] HOST PORT MESSAGE: send one datagram, print the answer (2 s timeout).
udp_ask() {
	local ns=$NETNS_PATH
	if [ "$1" = --outside ]; then
		ns=$OUTNS_PATH
		shift
	fi
	timeout 10 nsenter --net="$ns" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recv(512).decode()); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
' "$@"
}

# serve_http NAME [RUN FLAGS...]: a detached container running busybox httpd on port 80 whose
# index says "hello from NAME"; returns once it answers (from inside the container).
serve_http() {
	local name=$1
	shift
	rbox run -d --name "$name" "$@" busybox sh -c \
		"mkdir -p /tmp/www && echo 'hello from $name' >/tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www" \
		>/dev/null || return 1
	NET_CTR_IDS+=("$(ctr_id "$name")")
	wait_for 50 0.1 rbox exec "$name" wget -q -O /dev/null http://127.0.0.1/
}

# idle NAME [RUN FLAGS...]: a detached container that sleeps (a client to exec into).
idle() {
	local name=$1
	shift
	rbox run -d --name "$name" "$@" busybox sleep 1000 >/dev/null || return 1
	NET_CTR_IDS+=("$(ctr_id "$name")")
}

# remember_ctr NAME: check the clean state for this container's ID even once it is gone.
remember_ctr() {
	NET_CTR_IDS+=("$(ctr_id "$1")")
}

# The IPv4 address of a container on a network (from inspect).
ctr_ip() { # NAME NETWORK
	inspect_field "$1" ".NetworkSettings.Networks[\"$2\"].IPAddress"
}

# The subnet of a network (its first IPAM config).
net_subnet() { # NETWORK
	rbox network inspect "$1" | jq -r '.[0].IPAM.Config[0].Subnet'
}

# The interface of the test namespace that holds ADDRESS.
iface_of_addr() { # ADDRESS
	in_ns ip -o -4 addr show | awk -v a="$1" '{ split($4, x, "/"); if (x[1] == a) print $2 }'
}

# The nameserver lines of the host's resolv.conf (what the default network's containers get).
host_nameservers() {
	grep '^nameserver' /etc/resolv.conf
}

# net_gone ID IP: the network of this (stopped or removed) container is torn down: no veth left
# in the namespace (the test had no other container on a network), no firewall rule naming its
# ID or address, no file of the store outside its own directory naming it or holding its address
# (IPAM lease, aardvark-dns entry), and no aardvark-dns process.
net_gone() {
	local id=$1 ip=$2 out
	assert_equal "$(ns_veths)" ""
	out=$(in_ns iptables-save | grep -w -F -e "$ip" -e "${id:0:12}" || true)
	[ -z "$out" ] || fail "firewall rules left for ${id:0:12} ($ip): $out"
	out=$(find "$RBOX_ROOT" "$RBOX_RUNROOT" \( -path "$RBOX_ROOT/containers/$id*" -o -path "$RBOX_RUNROOT/containers/$id*" \
		-o -path "$RBOX_ROOT/names" -o -name events.log \) -prune -o -type f -print0 2>/dev/null |
		xargs -0 -r grep -lI -w -F -e "$ip" -e "${id:0:12}" 2>/dev/null || true)
	[ -z "$out" ] || fail "files of the store still name ${id:0:12} or $ip: $out"
	out=$(find "$RBOX_ROOT" "$RBOX_RUNROOT" \( -path "$RBOX_ROOT/containers/$id*" -o -path "$RBOX_RUNROOT/containers/$id*" \
		-o -path "$RBOX_ROOT/names" \) -prune -o \( -name "*$ip*" -o -name "*${id:0:12}*" \) -print 2>/dev/null || true)
	[ -z "$out" ] || fail "files of the store named after ${id:0:12} or $ip: $out"
	out=$(store_netns_mounts)
	[ -z "$out" ] || fail "network namespace files left in the store: $out"
	assert_equal "$(aardvark_pids)" ""
}

# The network namespace files (nsfs mounts) under this test's store.
store_netns_mounts() {
	awk -v r="$RBOX_ROOT" -v rr="$RBOX_RUNROOT" '{
		for (i = 7; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "nsfs" && (index($5, r "/") == 1 || index($5, rr "/") == 1)) print $5
	}' /proc/self/mountinfo
}

# The veth interfaces of the test namespace (wan0, the outside link, excepted).
ns_veths() {
	ip -n "$NETNS" -o link show type veth 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -vx wan0 || true
}

# PIDs of the processes whose network namespace is the test's.
ns_pids() {
	local p ino
	for p in /proc/[0-9]*; do
		ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
		[ "$ino" = "$NETNS_INODE" ] && echo "${p#/proc/}"
	done
	return 0
}

# PIDs of aardvark-dns in the test namespace.
aardvark_pids() {
	local p
	for p in $(ns_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = aardvark-dns ] && echo "$p"
	done
	return 0
}

# Firewall rules of the test namespace that are not netavark's empty base chains: lines of
# iptables-save naming a container (ID), an address of the test subnets, a per-network or
# per-container chain. Prints them.
firewall_leftovers() {
	local ids_re='dnat name' id
	for id in "${NET_CTR_IDS[@]}"; do
		ids_re+="|${id:0:12}"
	done
	in_ns iptables-save 2>/dev/null | grep -v -e '^#' -e '^\*' -e '^COMMIT' |
		grep -Ev "$NETAVARK_BASE_CHAINS_RE" | grep -Ev '^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ' |
		grep -E "^:|$NET_ADDR_RE|NETAVARK-[0-9A-F]{6,}|NETAVARK-DN-|$ids_re" || true
}

# Files of this test's store naming a removed container or holding one of its addresses (the
# network addresses and gateways of the networks that exist are not leases; the event log,
# `rbox events`' history, names containers on purpose). Prints them.
store_leftovers() {
	local allowed='' id f
	allowed=$(nsenter --net="$NETNS_PATH" "$REAL_RBOX_BIN" network inspect \
		$(nsenter --net="$NETNS_PATH" "$REAL_RBOX_BIN" network ls -q 2>/dev/null) 2>/dev/null |
		jq -r '.[].IPAM.Config[]? | (.Gateway // empty), (.Subnet // empty | sub("/.*"; ""))' 2>/dev/null)
	for d in "$RBOX_ROOT" "$RBOX_RUNROOT"; do
		[ -d "$d" ] || continue
		for id in "${NET_CTR_IDS[@]}"; do
			grep -rlI --exclude=events.log -F -e "$id" -e "${id:0:12}" "$d" 2>/dev/null | sed "s|^|names container ${id:0:12}: |"
		done
		grep -rIoE --exclude=events.log "$NET_ADDR_RE" "$d" 2>/dev/null | while IFS=: read -r f a; do
			case "$a" in *.0) continue ;; esac
			grep -qxF "$a" <<<"$allowed" && continue
			echo "holds $a: $f"
		done
	done | sort -u
}

# The clean state, once every container is gone. Prints what is left; fails when anything is.
net_leftovers() {
	local bad=0 out
	out=$(ns_veths)
	if [ -n "$out" ]; then
		echo "leftover veth in $NETNS: $out" >&2
		bad=1
	fi
	out=$(firewall_leftovers)
	if [ -n "$out" ]; then
		echo "leftover firewall rules in $NETNS:" >&2
		echo "$out" >&2
		bad=1
	fi
	out=$(store_leftovers)
	if [ -n "$out" ]; then
		echo "leftover network state in the store:" >&2
		echo "$out" >&2
		bad=1
	fi
	out=$(store_netns_mounts)
	if [ -n "$out" ]; then
		echo "leftover network namespace files: $out" >&2
		bad=1
	fi
	local p
	for p in $(ns_pids); do
		echo "leftover process in $NETNS: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
		bad=1
	done
	out=$(comm -13 <(echo "$NETNS_BEFORE") <(ls /run/netns 2>/dev/null | sort) | grep -v -e "^rbx[top]-$$-" || true)
	if [ -n "$out" ]; then
		echo "leftover netns files in /run/netns: $out" >&2
		bad=1
	fi
	return $bad
}

teardown() {
	local rc=0 id p
	# the test's own servers first (they are not rbox's to clean)
	for p in "${NET_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${NETNS_PATH:-}" ] && [ -e "$NETNS_PATH" ]; then
		if [ -d "$RBOX_ROOT/containers" ]; then
			for id in $(ls "$RBOX_ROOT/containers"); do
				NET_CTR_IDS+=("$id")
			done
			for id in $(ls "$RBOX_ROOT/containers"); do
				"$RBOX_BIN" rm -f "$id" >/dev/null 2>&1 || true
			done
		fi
		net_leftovers || rc=1
		# the manager suites' checks: mounts, monitors, runtime state, cgroups
		local manager_rc=0
		manager_teardown || manager_rc=1
		[ "$manager_rc" = 0 ] || rc=1
		# whatever is still in the namespace was started by this test: kill it by PID
		for p in $(ns_pids); do
			kill -9 "$p" 2>/dev/null || true
		done
	fi
	[ -n "${OUTNS:-}" ] && ip netns del "$OUTNS" 2>/dev/null
	for p in "${EXTRA_NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null || true
	done
	[ -n "${NETNS:-}" ] && [ -e "/run/netns/$NETNS" ] && ip netns del "$NETNS"
	return $rc
}

# run_bad ARGS...: a refused rbox command: non-zero exit, one line on stderr (starting with
# "rbox: " or "rbox COMMAND: "), nothing on stdout, and nothing left: no new container, network, veth, monitor or
# firewall rule. Leaves the stderr line in $stderr for the caller's checks.
run_bad() {
	local ctrs nets mons veths fw
	ctrs=$(ls -A "$RBOX_ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
	nets=$(rbox network ls -q 2>/dev/null | sort | tr '\n' ' ')
	mons=$(monitors_of_store)
	veths=$(ns_veths | sort | tr '\n' ' ')
	fw=$(in_ns iptables-save 2>/dev/null | grep -c '^-A' || true)
	run --separate-stderr rbox "$@"
	assert_failure
	assert_equal "$output" ""
	[ "${#stderr_lines[@]}" = 1 ] || fail "expected one line on stderr, got ${#stderr_lines[@]}: $stderr"
	[[ "$stderr" =~ ^rbox(\ [a-z]+)*:\  ]] || fail "the error line does not start with 'rbox: ' or 'rbox COMMAND: ': $stderr"
	assert_equal "$(ls -A "$RBOX_ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" "$ctrs"
	assert_equal "$(rbox network ls -q 2>/dev/null | sort | tr '\n' ' ')" "$nets"
	assert_equal "$(monitors_of_store)" "$mons"
	assert_equal "$(ns_veths | sort | tr '\n' ' ')" "$veths"
	assert_equal "$(in_ns iptables-save 2>/dev/null | grep -c '^-A' || true)" "$fw"
}

# stderr_names WORD: the error line of the last run_bad names WORD.
stderr_names() {
	[[ "$stderr" == *"$1"* ]] || fail "the error line does not name '$1': $stderr"
}
