#!/usr/bin/env bash
# bench/run.sh - rbox against runc, crun and podman, side by side (make bench).
#
# Every scenario runs all its contenders in the same run, interleaved: R rounds, and in each round
# hyperfine times every contender K times (-N: no shell in between). Medians are taken over all
# rounds. Peak RSS comes from /usr/bin/time -f %M. Contenders missing on this machine are skipped
# with a visible line. Output: a table on stdout and JSON in bench/results/<timestamp>.json
# (also bench/results/latest.json).
#
# The network scenario (manager_net) runs inside a network namespace the bench creates
# (rbox-bench-PID): its bridges, veths and firewall rules never reach the machine's network.
# Every other rbox command runs with default_network = "none" (tests/fixtures/rbox-test.conf).
#
# Usage: bench/run.sh [all|runtime|manager|images|rss|library|build|usernet|rootless|api] (default
# all; images: the pull and layered-run rows alone; usernet, not in all: slirp4netns vs pasta,
# its own block; rootless: rbox and podman as a throwaway user).
# Environment: ROUNDS (default 5), RUNS (per round, default 10), QUICK=1 (2 x 3, for a smoke run),
# LIB_RUNS (runs per command of the library scenarios, default 1000; QUICK: 100).
set -uo pipefail
export LC_ALL=C
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BUILD="${RBOX_BUILD:-$REPO/build}"
RT="$BUILD/bin/rbox-runtime"
RBOX="$BUILD/bin/rbox"
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-10}
if [ "${QUICK:-}" = 1 ]; then ROUNDS=2; RUNS=3; fi
WORK=$(mktemp -d /tmp/rbox-bench.XXXXXX)
RESULTS="$HERE/results"
mkdir -p "$RESULTS"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
JSON_PARTS="$WORK/parts"
mkdir -p "$JSON_PARTS"
CG="rbox-bench-$$"

say() { printf '%s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

cleanup() {
	set +e
	for r in "$WORK/st-rbox" "$WORK/st-runc" "$WORK/st-crun"; do
		[ -d "$r" ] || continue
		for id in $(ls "$r" 2>/dev/null); do
			case "$r" in
			*rbox) "$RT" --root "$r" delete -f "$id" ;;
			*runc) runc --root "$r" delete -f "$id" ;;
			*crun) "$WORK/crun-nohybrid" --root "$r" delete -f "$id" ;;
			esac
		done >/dev/null 2>&1
	done
	[ -n "${PODMAN_STORE:-}" ] && podman_cmd system reset -f >/dev/null 2>&1
	[ -n "${RBOX_BENCH_ROOT:-}" ] && "$RBOX" --root "$RBOX_BENCH_ROOT" --runroot "$RBOX_BENCH_RUNROOT" rm -f -a >/dev/null 2>&1
	if [ -n "${BENCH_NETNS:-}" ]; then
		# the network scenario's store, emptied inside its namespace (its teardown stays there)
		rbox_net_cmd rm -f $(rbox_net_cmd ps -aq --no-trunc 2>/dev/null) >/dev/null 2>&1
		ip netns del "$BENCH_NETNS"
	fi
	find /sys/fs/cgroup -maxdepth 4 -depth -type d -name "$CG*" -exec rmdir {} \; 2>/dev/null
	rm -rf "$WORK"
	if [ -n "${LIB_TMP:-}" ]; then rm -rf "$LIB_TMP"; fi
}
trap cleanup EXIT

# --- the bundle: busybox rootfs, /bin/true, cgroups on (relative path) --------------------------
setup_bundle() {
	[ -x "$REPO/bundles/busybox/rootfs/bin/busybox" ] || make -C "$REPO" bundles >/dev/null
	B="$WORK/bundle"
	mkdir -p "$B"
	cp -a "$REPO/bundles/busybox/rootfs" "$B/rootfs"
	# ociVersion 1.0.2: crun 1.8 refuses newer spec versions
	jq '.ociVersion = "1.0.2" | .process.args = ["/bin/true"] | .root.path = "rootfs" | .process.terminal = false' \
		"$REPO/bundles/busybox/config.json" >"$B/config.json"
	# crun 1.8 refuses this machine's hybrid layout ("cgroups in hybrid mode not supported", even
	# with --cgroup-manager=disabled): run it in a private mount namespace without the cgroup2
	# mount at /sys/fs/cgroup/unified (docs/performance.md, "crun on this host").
	cat >"$WORK/crun-nohybrid" <<'SH'
#!/bin/sh
exec unshare -m sh -c 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec /usr/bin/crun "$@"' crun "$@"
SH
	chmod +x "$WORK/crun-nohybrid"
}

# measure NAME "label=command" ... : interleaved rounds of hyperfine; writes a JSON part.
measure() {
	local name=$1
	shift
	local i round labels=() cmds=()
	for i in "$@"; do
		labels+=("${i%%=*}")
		cmds+=("${i#*=}")
	done
	say "== $name: ${labels[*]} ($ROUNDS rounds x $RUNS runs)"
	for ((round = 0; round < ROUNDS; round++)); do
		local args=()
		for ((i = 0; i < ${#cmds[@]}; i++)); do
			args+=(-n "${labels[$i]}" "${cmds[$i]}")
		done
		${MEASURE_NETNS:+nsenter --net=/run/netns/$MEASURE_NETNS} hyperfine -N -w "${MEASURE_WARMUP:-2}" -r "$RUNS" \
			${MEASURE_PREPARE:+--prepare "$MEASURE_PREPARE"} --style none --export-json "$WORK/$name.$round.json" \
			"${args[@]}" >/dev/null 2>"$WORK/hf.err" || { say "   hyperfine failed: $(tail -3 "$WORK/hf.err")"; return 1; }
	done
	jq -s --arg name "$name" '
		[.[].results[]] as $all
		| ($all | map(.command) | reduce .[] as $c ([]; if index([$c]) then . else . + [$c] end))
		| map(. as $n | [$all[] | select(.command == $n)] | {
			name: $n,
			runs: ([.[].times[]] | length),
			median_ms: ([.[].times[]] | sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end * 1000),
			mean_ms: ([.[].times[]] | add / length * 1000),
			min_ms: ([.[].times[]] | min * 1000)
		}) | {scenario: $name, contenders: .}' "$WORK/$name".*.json >"$JSON_PARTS/$name.json"
}


# --- scenarios -------------------------------------------------------------------------------

# `run` of /bin/true in the busybox bundle, cgroups on, plus the floors.
scenario_run() {
	local c=("rbox-runtime=$RT --root $WORK/st-rbox run -b $B bench-run")
	have runc && c+=("runc=runc --root $WORK/st-runc run -b $B bench-run") || say "   (runc missing: skipped)"
	have crun && c+=("crun=$WORK/crun-nohybrid --root $WORK/st-crun run -b $B bench-run") || say "   (crun missing: skipped)"
	# the limit: the same isolation in the fewest syscalls (bench/floor.c, built by make bench)
	[ -x "$BUILD/bench/floor" ] && c+=("floor=$BUILD/bench/floor $B/rootfs") ||
		say "   (floor not built: make $BUILD/bench/floor)"
	# the sandbox tool: namespaces, no cgroups, no seccomp, no state
	have bwrap && c+=("bwrap=bwrap --unshare-all --ro-bind $B/rootfs / --proc /proc --dev /dev /bin/true") ||
		say "   (bwrap missing: skipped)"
	c+=("floor-chroot=chroot $B/rootfs /bin/true")
	c+=("floor-unshare-chroot=unshare --mount --uts --ipc --net --pid --fork chroot $B/rootfs /bin/true")
	# what the crun wrapper itself costs (a private mount namespace + sh + umount)
	have crun && c+=("crun-wrapper-alone=unshare -m sh -c 'umount -l /sys/fs/cgroup/unified; exec /bin/true'")
	measure run "${c[@]}"
}

# create + start + wait + delete as separate commands (through one sh -c for all contenders).
scenario_lifecycle() {
	cat >"$WORK/lifecycle.sh" <<'SH'
#!/bin/sh
# lifecycle.sh RUNTIME ROOT BUNDLE ID: create, start, wait for the process to exit, delete
rt=$1 root=$2 b=$3 id=$4
$rt --root "$root" create -b "$b" --pid-file "$b/$id.pid" "$id" </dev/null >/dev/null 2>&1 || exit 1
pid=$(cat "$b/$id.pid")
$rt --root "$root" start "$id" || exit 1
while [ -e "/proc/$pid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat")" != Z ]; do :; done
$rt --root "$root" delete "$id"
SH
	chmod +x "$WORK/lifecycle.sh"
	local c=("rbox-runtime=$WORK/lifecycle.sh $RT $WORK/st-rbox $B bench-lc")
	have runc && c+=("runc=$WORK/lifecycle.sh runc $WORK/st-runc $B bench-lc")
	have crun && c+=("crun=$WORK/lifecycle.sh $WORK/crun-nohybrid $WORK/st-crun $B bench-lc")
	measure lifecycle "${c[@]}"
}

# 50 containers started at once (`run` each, all in parallel, wait for all).
scenario_concurrent() {
	cat >"$WORK/concurrent.sh" <<'SH'
#!/bin/sh
# concurrent.sh RUNTIME ROOT BUNDLE N
rt=$1 root=$2 b=$3 n=$4 i=0
while [ $i -lt "$n" ]; do
	$rt --root "$root" run -b "$b" "bench-c$i" >/dev/null 2>&1 &
	i=$((i + 1))
done
wait
SH
	chmod +x "$WORK/concurrent.sh"
	local c=("rbox-runtime=$WORK/concurrent.sh $RT $WORK/st-rbox $B 50")
	have runc && c+=("runc=$WORK/concurrent.sh runc $WORK/st-runc $B 50")
	have crun && c+=("crun=$WORK/concurrent.sh $WORK/crun-nohybrid $WORK/st-crun $B 50")
	local saved_rounds=$ROUNDS saved_runs=$RUNS
	ROUNDS=$(( ROUNDS < 3 ? ROUNDS : 3 )) RUNS=$(( RUNS < 3 ? RUNS : 3 ))
	measure concurrent50 "${c[@]}"
	ROUNDS=$saved_rounds RUNS=$saved_runs
}

# Peak RSS of the runtime's own process: /usr/bin/time of `create` (+ `delete -f` after each).
# Not `run`: there the container's /bin/true is a waited-for descendant and ru_maxrss would be
# the larger of the two (busybox, ~1.3 MB), not the runtime's.
scenario_rss() {
	say "== peak RSS of the runtime process (/usr/bin/time %M of create, median of 5 runs)"
	local parts=("{\"name\":\"rbox-runtime\",\"peak_rss_kb\":$(create_rss "$RT" --root "$WORK/st-rbox")}")
	have runc && parts+=("{\"name\":\"runc\",\"peak_rss_kb\":$(create_rss runc --root "$WORK/st-runc")}")
	if have crun; then
		# crun itself, measured inside the wrapper's namespace (not the wrapper)
		cat >"$WORK/crun-rss" <<SH
#!/bin/sh
exec unshare -m sh -c 'umount -l /sys/fs/cgroup/unified; /usr/bin/time -f %M -o $WORK/crun.rss /usr/bin/crun --root $WORK/st-crun create -b $B bench-rss >/dev/null 2>&1; /usr/bin/crun --root $WORK/st-crun delete -f bench-rss >/dev/null 2>&1'
SH
		chmod +x "$WORK/crun-rss"
		local i v=()
		for i in 1 2 3 4 5; do
			"$WORK/crun-rss"
			v+=("$(tail -1 "$WORK/crun.rss")")
		done
		parts+=("{\"name\":\"crun\",\"peak_rss_kb\":$(printf '%s\n' "${v[@]}" | sort -n | sed -n 3p)}")
	fi
	(IFS=,; echo "{\"scenario\":\"peak_rss\",\"contenders\":[${parts[*]}]}") >"$JSON_PARTS/peak_rss.json"
}

# create_rss RUNTIME-COMMAND...: median peak RSS (KB) of 5 `create`s, each deleted after
create_rss() {
	local i out=()
	for i in 1 2 3 4 5; do
		/usr/bin/time -f %M -o "$WORK/rss" "$@" create -b "$B" bench-rss </dev/null >/dev/null 2>&1
		out+=("$(tail -1 "$WORK/rss")")
		"$@" delete -f bench-rss >/dev/null 2>&1
	done
	printf '%s\n' "${out[@]}" | sort -n | sed -n 3p
}

# --- the manager --------------------------------------------------------------------------------

# the manager rows measure --network none unless a row says otherwise (never a bridge on this host)
export RBOX_CONFIG="$REPO/tests/fixtures/rbox-test.conf"
rbox_cmd() { "$RBOX" --root "$RBOX_BENCH_ROOT" --runroot "$RBOX_BENCH_RUNROOT" "$@"; }

setup_rbox() {
	[ -x "$RBOX" ] || { say "   (rbox not built: manager scenarios skipped)"; return 1; }
	RBOX_BENCH_ROOT="$WORK/rbox-root"
	RBOX_BENCH_RUNROOT="$WORK/rbox-run"
	export RBOX_CGROUP_PARENT="$CG-rbox"
	rbox_cmd run --rm busybox true >/dev/null || { say "   rbox run failed"; return 1; }
}

# podman_cmd ARGS...: podman with the bench's private store; inside the bench's network
# namespace once it exists (the network scenario's containers are torn down there).
podman_cmd() {
	${PODMAN_EXEC:-} ${BENCH_NETNS:+nsenter --net=/run/netns/$BENCH_NETNS} env CONTAINERS_CONF="$PODMAN_STORE/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_STORE/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$PODMAN_STORE/registries.conf" \
		podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/runroot" --tmpdir "$PODMAN_STORE/tmp" \
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
		--network-config-dir "$PODMAN_STORE/net" "$@"
}

# podman offline with a private store, cgroupfs, no network, and runc (crun 1.8 refuses this
# machine's hybrid cgroup layout).
setup_podman() {
	have podman && have conmon && have runc || { say "   (podman/conmon/runc missing: podman skipped)"; return 1; }
	PODMAN_STORE="$WORK/podman"
	mkdir -p "$PODMAN_STORE"/{root,runroot,tmp,net}
	cat >"$PODMAN_STORE/containers.conf" <<CONF
[containers]
netns = "none"
cgroups = "no-conmon"
default_ulimits = ["nofile=1024:4096", "nproc=4096:8192"]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_STORE/events.log"
lock_type = "file"
tmp_dir = "$PODMAN_STORE/tmp"
static_dir = "$PODMAN_STORE/root/libpod"
volume_path = "$PODMAN_STORE/root/volumes"
runtime = "runc"
[network]
network_backend = "netavark"
network_config_dir = "$PODMAN_STORE/net"
CONF
	printf '[storage]\ndriver = "overlay"\nrunroot = "%s/runroot"\ngraphroot = "%s/root"\n' \
		"$PODMAN_STORE" "$PODMAN_STORE" >"$PODMAN_STORE/storage.conf"
	echo 'unqualified-search-registries = []' >"$PODMAN_STORE/registries.conf"
	tar -C "$B/rootfs" --numeric-owner -cf "$PODMAN_STORE/rootfs.tar" .
	podman_cmd import --change 'CMD ["/bin/sh"]' "$PODMAN_STORE/rootfs.tar" localhost/bench-busybox >/dev/null 2>&1 ||
		{ say "   podman import failed: podman skipped"; PODMAN_STORE=; return 1; }
	podman_cmd run --rm --network none --cgroup-parent "/$CG-podman" localhost/bench-busybox true >/dev/null ||
		{ say "   podman run failed: podman skipped"; return 1; }
}

scenario_manager_run() {
	local c=()
	c+=("rbox run --rm=$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT run --rm busybox true")
	c+=("rbox-runtime run=$RT --root $WORK/st-rbox run -b $B bench-mrun")
	[ -n "${PODMAN_STORE:-}" ] && c+=("podman run --rm=$WORK/podman-run")
	if [ -n "${PODMAN_STORE:-}" ]; then
		cat >"$WORK/podman-run" <<SH
#!/bin/sh
CONTAINERS_CONF="$PODMAN_STORE/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_STORE/storage.conf" CONTAINERS_REGISTRIES_CONF="$PODMAN_STORE/registries.conf" exec podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/runroot" --tmpdir "$PODMAN_STORE/tmp" --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --network-config-dir "$PODMAN_STORE/net" run --rm --network none --cgroup-parent "/$CG-podman" localhost/bench-busybox true
SH
		chmod +x "$WORK/podman-run"
	fi
	measure manager_run "${c[@]}"
}

# --- the network scenario, inside its own network namespace --------------------------------------

# rbox_net_cmd ARGS...: rbox with the network scenario's store, in the bench's namespace
rbox_net_cmd() {
	nsenter --net="/run/netns/$BENCH_NETNS" "$RBOX" --root "$WORK/rbox-net-root" --runroot "$WORK/rbox-net-run" "$@"
}

# The namespace that plays the host for manager_net: loopback only, nothing leaves it.
setup_netns() {
	have nsenter && have ip || { say "   (ip/nsenter missing: manager_net skipped)"; return 1; }
	BENCH_NETNS="rbox-bench-$$"
	ip netns add "$BENCH_NETNS" || { say "   cannot create a network namespace: manager_net skipped"; BENCH_NETNS=; return 1; }
	ip -n "$BENCH_NETNS" link set lo up
}

# `run --rm busybox true` with a bridge network (rbox's default network, podman's), against
# rbox's --network none path, all in the bench's namespace: netavark's cost per container.
scenario_manager_net() {
	[ -n "${BENCH_NETNS:-}" ] || return 0
	rbox_net_cmd run --rm --network bridge busybox true >/dev/null ||
		{ say "   rbox run --network bridge failed: manager_net skipped"; return 1; }
	local c=()
	c+=("rbox run --rm --network bridge=$RBOX --root $WORK/rbox-net-root --runroot $WORK/rbox-net-run run --rm --network bridge busybox true")
	c+=("rbox run --rm --network none=$RBOX --root $WORK/rbox-net-root --runroot $WORK/rbox-net-run run --rm --network none busybox true")
	if [ -n "${PODMAN_STORE:-}" ]; then
		local net
		for net in bridge none; do
			cat >"$WORK/podman-run-$net" <<SH
#!/bin/sh
CONTAINERS_CONF="$PODMAN_STORE/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_STORE/storage.conf" CONTAINERS_REGISTRIES_CONF="$PODMAN_STORE/registries.conf" exec podman --root "$PODMAN_STORE/root" --runroot "$PODMAN_STORE/runroot" --tmpdir "$PODMAN_STORE/tmp" --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --network-config-dir "$PODMAN_STORE/net" run --rm --network $net --cgroup-parent "/$CG-podman" localhost/bench-busybox true
SH
			chmod +x "$WORK/podman-run-$net"
		done
		if podman_cmd run --rm --network bridge --cgroup-parent "/$CG-podman" localhost/bench-busybox true >/dev/null; then
			c+=("podman run --rm --network bridge=$WORK/podman-run-bridge")
			c+=("podman run --rm --network none=$WORK/podman-run-none")
		else
			say "   podman run --network bridge failed: podman left out of manager_net"
		fi
	fi
	MEASURE_NETNS=$BENCH_NETNS measure manager_net "${c[@]}"
}

# idle RSS of one rbox-monitor vs one conmon (VmRSS / VmHWM of the monitor process)
# issue 16: a pull of 5 x 10 MB layers from a local registry (bench/pull.sh: rbox, podman,
# skopeo side by side) and run --rm of a 5-layer image against the 1-layer busybox
scenario_images_pull() {
	PULL_OUT="$JSON_PARTS/images_pull.json" RUNS="$RUNS" RBOX_BUILD="$BUILD" bash "$HERE/pull.sh" >/dev/null ||
		say "   images_pull failed"
}

scenario_manager_layers() {
	have skopeo || { say "   (skopeo missing: manager_layers skipped)"; return 0; }
	local src="$WORK/five" args=(--layer /bin/busybox:/bin/busybox)
	for i in 1 2 3 4; do args+=(--random 100000); done
	python3 "$REPO/tests/helpers/mkoci.py" image "$src" five "${args[@]}" >/dev/null &&
		skopeo copy -q "oci:$src:five" "oci-archive:$WORK/five.tar:bench/five:latest" >/dev/null &&
		rbox_cmd load -i "$WORK/five.tar" >/dev/null || { say "   manager_layers: no 5-layer image"; return 0; }
	local c=()
	c+=("run --rm 5 layers=$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT run --rm bench/five /bin/busybox true")
	c+=("run --rm busybox=$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT run --rm busybox true")
	measure manager_layers "${c[@]}"
}

scenario_monitor_rss() {
	say "== RSS of the per-container monitor for an idle container"
	local parts=() id pid
	id=$(rbox_cmd run -d busybox sleep 1000)
	sleep 0.5
	pid=$(rbox_cmd inspect "$id" | jq -r '.[0].State.MonitorPid // .[0].MonitorPid // empty')
	if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
		parts+=("{\"name\":\"rbox-monitor\",\"rss_kb\":$(awk '/^VmRSS/ {print $2}' /proc/$pid/status),\"hwm_kb\":$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)}")
	else
		say "   could not find the rbox monitor's pid"
	fi
	rbox_cmd rm -f "$id" >/dev/null
	if [ -n "${PODMAN_STORE:-}" ]; then
		id=$(podman_cmd run -d --network none --cgroup-parent "/$CG-podman" localhost/bench-busybox sleep 1000)
		sleep 0.5
		pid=$(podman_cmd inspect "$id" | jq -r '.[0].State.ConmonPid')
		parts+=("{\"name\":\"conmon\",\"rss_kb\":$(awk '/^VmRSS/ {print $2}' /proc/$pid/status),\"hwm_kb\":$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)}")
		podman_cmd rm -f -t 0 "$id" >/dev/null
	fi
	(IFS=,; echo "{\"scenario\":\"monitor_rss\",\"contenders\":[${parts[*]}]}") >"$JSON_PARTS/monitor_rss.json"
}

# 100 `rbox run -d --rm busybox true` started at once, timed until every client has returned
# (each container runs: its start is confirmed); before each run the store is empty again (the
# monitors remove their containers after the clients are gone). CONC_RUNS per round (default 3).
scenario_manager_concurrent() {
	local r="$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT"
	cat >"$WORK/mgr-concurrent.sh" <<SH
#!/bin/sh
i=0
while [ \$i -lt 100 ]; do
	$r run -d --rm busybox true >/dev/null || echo "run -d failed" >&2 &
	i=\$((i + 1))
done
wait
SH
	cat >"$WORK/mgr-drain.sh" <<SH
#!/bin/sh
n=0 # at most 30 s: a container that stays would hang the bench
while [ -n "\$($r ps -aq)" ] && [ \$n -lt 600 ]; do sleep 0.05; n=\$((n + 1)); done
SH
	chmod +x "$WORK/mgr-concurrent.sh" "$WORK/mgr-drain.sh"
	local saved=$RUNS
	RUNS=${CONC_RUNS:-3}
	[ "${QUICK:-}" = 1 ] && RUNS=1
	MEASURE_WARMUP=1 MEASURE_PREPARE="$WORK/mgr-drain.sh" measure manager_concurrent100 \
		"rbox run -d x100=$WORK/mgr-concurrent.sh"
	RUNS=$saved
	"$WORK/mgr-drain.sh"
}

# `rbox ps -a` with 1,000 containers in the store
scenario_ps() {
	say "== creating 1,000 containers for rbox ps -a"
	local i
	for ((i = 0; i < 1000; i++)); do
		rbox_cmd create --name "bench-ps-$i" busybox true >/dev/null || { say "   create failed at $i"; return 1; }
	done
	local saved=$ROUNDS
	# ps's cache trusts a state only once it is a second old (pscache.c): the steady state
	sleep 1.1
	measure ps_1000 "rbox ps -a=$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT ps -a"
	ROUNDS=$saved
	rbox_cmd rm -f $(rbox_cmd ps -aq) >/dev/null 2>&1
}

# rbox build against buildah bud (its own store, chroot isolation for RUN) of a 6-step
# Containerfile: cold (no cache: rbox --no-cache, buildah without --layers) and fully cached.
scenario_build() {
	have buildah || { say "   (buildah missing: build skipped)"; return 1; }
	local ctx="$WORK/build-ctx" bs="$WORK/buildah"
	mkdir -p "$ctx/data" "$bs"
	cp /bin/busybox "$ctx/busybox"
	seq 1 2000 >"$ctx/data/numbers"
	cat >"$ctx/Containerfile" <<'CF'
FROM scratch
COPY busybox /bin/busybox
ENV A=1
WORKDIR /app
COPY data /app/data
RUN ["/bin/busybox", "sh", "-c", "echo built > /app/built"]
CMD ["/bin/busybox", "cat", "/app/built"]
CF
	# vfs: containers/storage's overlay driver leaves a private bind mount of its directory
	local b="buildah --root $bs/root --runroot $bs/run --storage-driver vfs"
	$b bud -q --isolation chroot --layers "$ctx" >/dev/null 2>&1 || { say "   buildah bud failed: build skipped"; return 1; }
	rbox_cmd build -q "$ctx" >/dev/null || { say "   rbox build failed"; return 1; }
	measure build_cold "rbox build --no-cache=$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT build -q --no-cache $ctx" \
		"buildah bud=$b bud -q --isolation chroot $ctx"
	measure build_cached "rbox build (cached)=$RBOX --root $RBOX_BENCH_ROOT --runroot $RBOX_BENCH_RUNROOT build -q $ctx" \
		"buildah bud --layers (cached)=$b bud -q --isolation chroot --layers $ctx"
	$b rmi -a -f >/dev/null 2>&1
	rbox_cmd image prune -a -f >/dev/null 2>&1
}

# --- report -------------------------------------------------------------------------------------

# --- librbox (docs/library.md) ----------------------------------------------------------------

# N sequential runs of /bin/true with a 64 MB memory and 64 pids limit and the default seccomp
# profile: librbox (rbox-judge, one process) against `bwrap --unshare-all` (namespaces only: no
# cgroups, no seccomp) and `rbox-runtime run` of the same config.json as librbox gives the
# runtime (read-only root instead of librbox's fresh overlay), each N times from a sh loop.
# Then the same N runs on 8 threads (librbox) or 8 parallel processes (xargs -P 8).
# librbox runs through its fast path (runs created ahead by `rbox-runtime serve`, default 2
# ahead: docs/library.md); "rbox-librbox-run-each" is the same with RBOX_LIB_PRESTART=0, one
# `rbox-runtime run` per run.
scenario_library() {
	local judge="$BUILD/bin/rbox-judge" n=${LIB_RUNS:-1000}
	[ "${QUICK:-}" = 1 ] && n=100
	[ -x "$judge" ] || { say "   (rbox-judge not built: library scenarios skipped)"; return 0; }
	# the work directory and the runtime's state on a tmpfs (/dev/shm), as /run (their defaults
	# /run/librbox, /run/rbox-runtime) is on most hosts: on $WORK's ext4 the state files'
	# creates were ~12 % of the runtime's CPU per run (perf), a cost of the disk, not of librbox
	LIB_TMP=$(mktemp -d /dev/shm/rbox-bench-lib.XXXXXX)
	export RBOX_RUNTIME="$RT" RBOX_LIB_ROOT="$LIB_TMP/lib" RBOX_CGROUP_PARENT="$CG"
	local lb="$WORK/lib-bundle" limits="-m 67108864 -p 64" st="$LIB_TMP/st-rbox"
	mkdir -p "$lb"
	# the runtime's default cgroup path (rbox-runtime/ID under ours): one per container
	"$judge" $limits -C "$B/rootfs" "$B/rootfs" /bin/true |
		jq '.root.readonly = true | del(.linux.cgroupsPath)' >"$lb/config.json"
	cat >"$WORK/loop.sh" <<'SH'
#!/bin/sh
# loop.sh N COMMAND...: the command N times, one after the other
n=$1
shift
i=0
while [ $i -lt "$n" ]; do "$@" >/dev/null || exit 1; i=$((i + 1)); done
SH
	cat >"$WORK/par.sh" <<SH
#!/bin/sh
# par.sh N P COMMAND...: the command N times, P at a time (ID in the arguments: a number). A
# failed run is counted in $WORK/par-failures (shown after the scenario), not fatal: under
# heavy load a run can fail (e.g. a cgroup still busy after the runtime's 1 s of retries).
n=\$1 p=\$2
shift 2
seq "\$n" | xargs -P "\$p" -I ID sh -c '"\$@" >/dev/null 2>&1 || echo "\$1" >>$WORK/par-failures' sh "\$@"
exit 0
SH
	chmod +x "$WORK/loop.sh" "$WORK/par.sh"
	local bw="bwrap --unshare-all --ro-bind $B/rootfs / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
	local c=("rbox-librbox=$judge -q -n $n $limits $B/rootfs /bin/true")
	c+=("rbox-librbox-run-each=env RBOX_LIB_PRESTART=0 $judge -q -n $n $limits $B/rootfs /bin/true")
	have bwrap && c+=("bwrap --unshare-all=$WORK/loop.sh $n $bw") || say "   (bwrap missing: skipped)"
	c+=("rbox-runtime run=$WORK/loop.sh $n $RT --root $st run -b $lb bench-lib")
	local saved_rounds=$ROUNDS saved_runs=$RUNS
	ROUNDS=$(( ROUNDS < 3 ? ROUNDS : 3 )) RUNS=1
	measure "library_seq${n}" "${c[@]}"
	c=("rbox-librbox=$judge -q -n $n -j 8 $limits $B/rootfs /bin/true")
	c+=("rbox-librbox-run-each=env RBOX_LIB_PRESTART=0 $judge -q -n $n -j 8 $limits $B/rootfs /bin/true")
	have bwrap && c+=("bwrap --unshare-all=$WORK/par.sh $n 8 $bw")
	c+=("rbox-runtime run=$WORK/par.sh $n 8 $RT --root $st run -b $lb bench-par-ID")
	measure "library_par${n}_x8" "${c[@]}"
	[ -s "$WORK/par-failures" ] && say "   failed runs (program: count): $(sort "$WORK/par-failures" | uniq -c | tr '\n' ' ')"
	ROUNDS=$saved_rounds RUNS=$saved_runs
	rm -rf "$LIB_TMP"
}

# --- usernet (issue 20): slirp4netns vs pasta, in the bench's network namespace -----------------
# `bench/run.sh usernet`: (1) `run --rm busybox true` with --network slirp4netns, pasta and none:
# the helper's cost per container; (2) a published port, -p 127.0.0.1:PORT:80, served by busybox
# httpd in a container, the client on the namespace's 127.0.0.1: latency of one request (a new
# TCP connection, HTTP/1.0 GET of 3 bytes) and the time of a 128 MB download; the same httpd run
# straight on the namespace's loopback is the floor. pasta needs an interface with a default
# route: a veth pair inside the namespace (192.0.2.1/24, both ends there; nothing leaves it).
USERNET_CLIENT='
import json, socket, sys, time
port, n, big, name = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def get(path):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /" + path + b" HTTP/1.0\r\n\r\n")
    tot = 0
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        tot += len(d)
    s.close()
    return tot
def med(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
lat, thr = [], []
for i in range(n):
    t = time.perf_counter(); get(b"index.html"); lat.append((time.perf_counter() - t) * 1000)
for i in range(big):
    t = time.perf_counter(); b = get(b"big"); ms = (time.perf_counter() - t) * 1000
    if b < 128 << 20:
        sys.exit("short download: %d bytes" % b)
    thr.append(ms)
print(json.dumps({"lat": {"name": name, "runs": n, "median_ms": med(lat), "mean_ms": sum(lat) / n,
                          "min_ms": min(lat), "p95_ms": sorted(lat)[int(n * 0.95)]},
                  "thr": {"name": name, "runs": big, "median_ms": med(thr), "mean_ms": sum(thr) / big,
                          "min_ms": min(thr), "MB_per_s": 128 / (med(thr) / 1000)}}))
'
scenario_usernet() {
	[ -n "${BENCH_NETNS:-}" ] || return 0
	local tool have_tools=() c=() port=18100 pids=()
	ip -n "$BENCH_NETNS" link add un0 type veth peer name un1 &&
		ip -n "$BENCH_NETNS" addr add 192.0.2.1/24 dev un0 && ip -n "$BENCH_NETNS" link set un0 up &&
		ip -n "$BENCH_NETNS" link set un1 up && ip -n "$BENCH_NETNS" route add default via 192.0.2.2 ||
		say "   (no uplink in the bench namespace: pasta will fail)"
	for tool in slirp4netns pasta; do
		if rbox_net_cmd run --rm --network $tool busybox true >/dev/null; then
			have_tools+=("$tool")
			c+=("rbox run --rm --network $tool=$RBOX --root $WORK/rbox-net-root --runroot $WORK/rbox-net-run run --rm --network $tool busybox true")
		else
			say "   rbox run --network $tool failed: $tool left out of usernet"
		fi
	done
	[ ${#have_tools[@]} -gt 0 ] || return 1
	c+=("rbox run --rm --network none=$RBOX --root $WORK/rbox-net-root --runroot $WORK/rbox-net-run run --rm --network none busybox true")
	MEASURE_NETNS=$BENCH_NETNS measure usernet_run "${c[@]}"
	mkdir -p "$WORK/www" && echo ok >"$WORK/www/index.html" && head -c $((128 << 20)) /dev/zero >"$WORK/www/big"
	local n=$((ROUNDS * RUNS * 4)) big=$((ROUNDS > 3 ? ROUNDS : 3)) parts=()
	# the floor: the same httpd on the namespace's own loopback, no container
	nsenter --net="/run/netns/$BENCH_NETNS" timeout 900 /bin/busybox httpd -f -p "127.0.0.1:$port" -h "$WORK/www" &
	pids+=($!)
	sleep 0.3
	parts+=("$(nsenter --net="/run/netns/$BENCH_NETNS" python3 -c "$USERNET_CLIENT" "$port" "$n" "$big" "loopback floor (no container)")")
	for tool in "${have_tools[@]}"; do
		port=$((port + 1))
		rbox_net_cmd run -d --name "bench-$tool" --network "$tool" -p "127.0.0.1:$port:80" -v "$WORK/www:/www:ro" \
			busybox httpd -f -p 80 -h /www >/dev/null || { say "   $tool: the server did not start"; continue; }
		for _ in $(seq 50); do
			nsenter --net="/run/netns/$BENCH_NETNS" python3 -c "$USERNET_CLIENT" "$port" 1 0 x >/dev/null 2>&1 && break
			sleep 0.1
		done
		parts+=("$(nsenter --net="/run/netns/$BENCH_NETNS" python3 -c "$USERNET_CLIENT" "$port" "$n" "$big" "rbox -p, --network $tool")")
		rbox_net_cmd rm -f "bench-$tool" >/dev/null
	done
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	rm -rf "$WORK/www"
	printf '%s\n' "${parts[@]}" | jq -s '{scenario: "usernet_port_latency", contenders: [.[].lat]}' >"$JSON_PARTS/usernet_port_latency.json"
	printf '%s\n' "${parts[@]}" | jq -s '{scenario: "usernet_port_128MB", contenders: [.[].thr]}' >"$JSON_PARTS/usernet_port_128MB.json"
	printf '%s\n' "${parts[@]}" | jq -r '"   \(.thr.name): \(.lat.median_ms * 1000 | round / 1000) ms per request (p95 \(.lat.p95_ms * 1000 | round / 1000)), \(.thr.MB_per_s | round) MB/s"' >&2
}

# --- api (issue 18): `docker run --rm busybox true` through rbox system service vs podman's ---
# `bench/run.sh api`: the docker CLI (tests/helpers/docker-client.sh) against each service's Unix
# socket under $WORK, both `--network none` and with the same --ulimit (podman 4.3's service
# would give the container its own raised nofile limit, which fails without CAP_SYS_RESOURCE),
# interleaved; and the rbox service's RSS, idle before the runs and after them. The services
# run with --timeout 0 / --time 0 and are stopped by PID at the end.
scenario_api() {
	local docker rpid= ppid= c=() rsock="$WORK/rbox-api.sock" psock="$WORK/podman-api.sock"
	docker=$("$REPO/tests/helpers/docker-client.sh" 2>/dev/null) || { say "   (no docker CLI: api skipped)"; return 0; }
	$RBOX --root "$RBOX_BENCH_ROOT" --runroot "$RBOX_BENCH_RUNROOT" system service --socket "$rsock" --timeout 0 \
		>"$WORK/rbox-api.log" 2>&1 </dev/null &
	rpid=$!
	if [ -n "${PODMAN_STORE:-}" ]; then
		# exec'd, so that $! is podman's own pid
		(PODMAN_EXEC=exec podman_cmd system service --time 0 "unix://$psock") >"$WORK/podman-api.log" 2>&1 </dev/null &
		ppid=$!
	fi
	local i
	for i in $(seq 100); do
		[ -S "$rsock" ] && { [ -z "$ppid" ] || [ -S "$psock" ]; } && break
		sleep 0.1
	done
	export DOCKER_CONFIG="$WORK/docker-config"
	"$docker" -H "unix://$rsock" version >/dev/null 2>&1
	local idle
	idle=$(awk '/^VmRSS/ {print $2}' "/proc/$rpid/status" 2>/dev/null)
	local lim="--ulimit nofile=1024:4096 --ulimit nproc=4096:8192"
	if "$docker" -H "unix://$rsock" run --rm --network none $lim busybox true; then
		c+=("docker run via rbox service=$docker -H unix://$rsock run --rm --network none $lim busybox true")
	else
		say "   docker run through the rbox service failed: $(tail -1 "$WORK/rbox-api.log")"
	fi
	if [ -n "$ppid" ] && "$docker" -H "unix://$psock" run --rm --network none $lim localhost/bench-busybox true; then
		c+=("docker run via podman service=$docker -H unix://$psock run --rm --network none $lim localhost/bench-busybox true")
	elif [ -n "$ppid" ]; then
		say "   docker run through podman's service failed: $(tail -1 "$WORK/podman-api.log")"
	fi
	[ ${#c[@]} -gt 0 ] && measure api_run "${c[@]}"
	sleep 1
	local rss hwm
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$rpid/status" 2>/dev/null)
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$rpid/status" 2>/dev/null)
	if [ -n "$rss" ] && [ -n "$idle" ]; then
		say "   rbox system service: VmRSS ${idle} kB idle before the runs, ${rss} kB after them (peak ${hwm} kB)"
		echo "{\"scenario\":\"api_service_rss\",\"contenders\":[{\"name\":\"idle, before the runs\",\"rss_kb\":$idle},{\"name\":\"idle, after the runs\",\"rss_kb\":$rss,\"hwm_kb\":$hwm}]}" \
			>"$JSON_PARTS/api_service_rss.json"
	fi
	kill "$rpid" ${ppid:+"$ppid"} 2>/dev/null
	wait "$rpid" ${ppid:+"$ppid"} 2>/dev/null
	return 0
}

# --- rootless: rbox vs podman as an ordinary user (docs/rootless.md) -----------------------------
# A throwaway user (its own /etc/subuid and /etc/subgid lines, removed again with it) runs
# `rbox run --rm --network none busybox true` and podman's rootless equivalent (a private store
# under the user's home, runc, whose rootless mode runs without cgroups here), both through
# the same setpriv.
RL_BENCH_USER=
rootless_bench_cleanup() {
	set +e
	[ -n "$RL_BENCH_USER" ] || return 0
	local f
	for f in "$RL_BENCH_HOME/xdg/rbox/pause.pid" "$RL_BENCH_HOME/xdg/libpod/tmp/pause.pid"; do
		[ -f "$f" ] && kill -KILL "$(cut -d' ' -f1 "$f")" 2>/dev/null
	done
	sleep 0.2
	sed -i "/^$RL_BENCH_USER:/d" /etc/subuid /etc/subgid
	userdel "$RL_BENCH_USER" 2>/dev/null
	rm -rf "$RL_BENCH_DIR"
	RL_BENCH_USER=
}

scenario_rootless() {
	have useradd && have newuidmap && have setpriv || { say "   (useradd/newuidmap/setpriv missing: rootless skipped)"; return 0; }
	RL_BENCH_USER="rboxbench$$"
	RL_BENCH_DIR=$(mktemp -d /tmp/rbox-bench-rl.XXXXXX)
	chmod 0755 "$RL_BENCH_DIR"
	RL_BENCH_HOME="$RL_BENCH_DIR/home"
	trap 'rootless_bench_cleanup; cleanup' EXIT
	useradd -M -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /bin/sh "$RL_BENCH_USER" || { RL_BENCH_USER=; return 0; }
	local start=$((2000000000 + ($$ % 1000) * 65536)) uid gid
	echo "$RL_BENCH_USER:$start:65536" >>/etc/subuid
	echo "$RL_BENCH_USER:$start:65536" >>/etc/subgid
	uid=$(id -u "$RL_BENCH_USER")
	gid=$(id -g "$RL_BENCH_USER")
	mkdir -p "$RL_BENCH_HOME/xdg" "$RL_BENCH_HOME/.config/containers"
	chmod 0700 "$RL_BENCH_HOME/xdg"
	cat >"$RL_BENCH_HOME/.config/containers/containers.conf" <<CONF
[containers]
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
	echo 'unqualified-search-registries = []' >"$RL_BENCH_HOME/.config/containers/registries.conf"
	tar -C "$B/rootfs" --numeric-owner -cf "$RL_BENCH_HOME/rootfs.tar" .
	chown -R "$uid:$gid" "$RL_BENCH_HOME"
	cat >"$RL_BENCH_DIR/as-user" <<SH
#!/bin/sh
exec setpriv --reuid=$uid --regid=$gid --clear-groups env -i PATH=/usr/bin:/bin HOME=$RL_BENCH_HOME XDG_RUNTIME_DIR=$RL_BENCH_HOME/xdg "\$@"
SH
	chmod 0755 "$RL_BENCH_DIR/as-user"
	local as="$RL_BENCH_DIR/as-user" c=()
	if "$as" "$RBOX" run --rm --network none busybox true >/dev/null; then
		c+=("rootless rbox run --rm=$as $RBOX run --rm --network none busybox true")
	else
		say "   rootless rbox run failed: rbox skipped"
	fi
	if have podman && "$as" podman import "$RL_BENCH_HOME/rootfs.tar" localhost/bench-busybox >/dev/null 2>&1 &&
		"$as" podman run --rm --network none localhost/bench-busybox true >/dev/null 2>&1; then
		c+=("rootless podman run --rm=$as podman run --rm --network none localhost/bench-busybox true")
	else
		say "   rootless podman run failed or podman missing: podman skipped"
	fi
	[ ${#c[@]} -gt 0 ] && measure rootless_run "${c[@]}"
	rootless_bench_cleanup
	trap cleanup EXIT
}
# --- end of the rootless block --------------------------------------------------------------------

machine_json() {
	jq -n --arg kernel "$(uname -r)" --arg cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
		--argjson cores "$(nproc)" --arg mem "$(awk '/MemTotal/ {print $2" kB"}' /proc/meminfo)" \
		--arg layout "$(stat -fc %T /sys/fs/cgroup)$( [ -d /sys/fs/cgroup/unified ] && echo ' + cgroup2 at unified (hybrid)')" \
		--arg runc "$(runc --version 2>/dev/null | head -1)" --arg crun "$(crun --version 2>/dev/null | head -1)" \
		--arg podman "$(podman --version 2>/dev/null)" --arg rbox "$("$RT" --version | head -1)" \
		--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg date "$STAMP" \
		'{date: $date, kernel: $kernel, cpu: $cpu, cores: $cores, memory: $mem, cgroups: $layout,
		  versions: {rbox: $rbox, runc: $runc, crun: $crun, podman: $podman}, loadavg_at_start: $load,
		  method: "hyperfine -N, interleaved rounds; medians"}'
}

report() {
	local out="$RESULTS/$STAMP.json"
	jq -n --argjson machine "$(machine_json)" --slurpfile s <(cat "$JSON_PARTS"/*.json) \
		--argjson rounds "$ROUNDS" --argjson runs "$RUNS" \
		'{machine: $machine, rounds: $rounds, runs_per_round: $runs, scenarios: $s}' >"$out"
	cp "$out" "$RESULTS/latest.json"
	jq -r -f "$HERE/table.jq" "$out"
	say ""
	say "JSON: $out"
}

main() {
	have hyperfine || { say "hyperfine is needed (apt-get install hyperfine)"; exit 1; }
	[ -x "$RT" ] || { say "build $RT first (make)"; exit 1; }
	setup_bundle
	local only="${1:-all}"
	case "$only" in rss) scenario_rss ;; esac
	case "$only" in build) setup_rbox && scenario_build ;; esac
	case "$only" in all | runtime)
		scenario_run
		scenario_lifecycle
		scenario_concurrent
		scenario_rss ;;
	esac
	case "$only" in images)
		setup_rbox && scenario_manager_layers && scenario_images_pull ;;
	esac
	case "$only" in all | library) scenario_library ;; esac
	case "$only" in usernet) setup_rbox && setup_netns && scenario_usernet ;; esac
	case "$only" in all | rootless) scenario_rootless ;; esac
	case "$only" in all | api) setup_rbox && { setup_podman || true; } && scenario_api ;; esac
	case "$only" in all | manager)
		if setup_rbox; then
			setup_podman || true
			scenario_manager_run
			scenario_manager_concurrent
			setup_netns && scenario_manager_net
			scenario_manager_layers
			scenario_images_pull
			scenario_monitor_rss
			scenario_ps
			scenario_build
		fi ;;
	esac
	report
}

main "$@"
