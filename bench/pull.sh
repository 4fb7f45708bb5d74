#!/usr/bin/env bash
# bench/pull.sh - pulling a 5-layer, 50 MB image from a local registry: rbox against skopeo and
# podman, side by side (issue 16's target: rbox <= 0.5 x podman).
#
# Starts Debian's docker-registry on a free port of 127.0.0.1 (storage in a temp dir, stopped
# on exit, `timeout` as a backstop), puts the image in with skopeo, then hyperfine times, each
# from an empty destination:
#   skopeo copy docker://... oci:DIR            (to a local dir)
#   podman pull (a private vfs store)           (unpacks into its store)
#   rbox-registry pull --layout DIR             (rbox's transfer alone)
#   rbox pull                                   (with the layered store: transfer + ingest)
# Usage: bench/pull.sh   Environment: RUNS (default 10), LAYERS (5), LAYER_MB (10).
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BUILD="${RBOX_BUILD:-$REPO/build}"
RUNS=${RUNS:-10}
LAYERS=${LAYERS:-5}
LAYER_MB=${LAYER_MB:-10}
W=$(mktemp -d /tmp/rbox-pullbench.XXXXXX)
REG_PID=
cleanup() {
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
for c in docker-registry skopeo hyperfine; do
	command -v "$c" >/dev/null || { echo "bench/pull.sh: $c is not installed (make deps)" >&2; exit 1; }
done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REG=127.0.0.1:$port
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: %s\n' \
	"$W" "$REG" >"$W/config.yml"
env -u REGISTRY_AUTH_FILE timeout 3600 docker-registry serve "$W/config.yml" >"$W/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://$REG/v2/" && break; sleep 0.1; done
args=()
for _ in $(seq "$LAYERS"); do args+=(--random $((LAYER_MB << 20))); done
python3 "$REPO/tests/helpers/mkoci.py" image "$W/src" b "${args[@]}"
skopeo copy -q --dest-tls-verify=false "oci:$W/src:b" "docker://$REG/bench/img:b" >/dev/null
echo "image: $LAYERS layers of $LAYER_MB MB (random, gzip'd), registry $REG" >&2
cmds=(
	--prepare "rm -rf $W/o1" "skopeo copy -q --src-tls-verify=false docker://$REG/bench/img:b oci:$W/o1:b"
	--prepare "rm -rf $W/o2 $W/o2.partial" "$BUILD/bin/rbox-registry pull -q --tls-verify=false --layout $W/o2 $REG/bench/img:b"
)
if command -v podman >/dev/null; then
	P="podman --root $W/proot --runroot $W/prun --storage-driver overlay --events-backend none"
	cmds+=(--prepare "$P rmi -a -f" "$P pull -q --tls-verify=false $REG/bench/img:b")
fi
if "$BUILD/bin/rbox" load --help >/dev/null 2>&1; then
	R="env RBOX_ROOT=$W/rroot RBOX_RUNROOT=$W/rrun $BUILD/bin/rbox"
	cmds+=(--prepare "rm -rf $W/rroot" "$R pull -q --tls-verify=false $REG/bench/img:b")
fi
hyperfine -N -w 1 -r "$RUNS" --export-json "$W/result.json" "${cmds[@]}"
# for bench/run.sh: the scenario's JSON (contender names without the temp paths)
if [ -n "${PULL_OUT:-}" ]; then
	jq '{scenario: "images_pull", contenders: [.results[] | {
		name: (.command | if test("^skopeo") then "skopeo copy to oci:DIR"
			elif test("rbox-registry") then "rbox-registry pull --layout (transfer only)"
			elif test("^podman") then "podman pull (overlay)"
			else "rbox pull (transfer + ingest)" end),
		runs: (.times | length),
		median_ms: (.times | sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end * 1000),
		mean_ms: (.mean * 1000), min_ms: (.min * 1000)}]}' "$W/result.json" >"$PULL_OUT"
fi
[ -n "${P:-}" ] && $P system reset -f >/dev/null 2>&1
exit 0
