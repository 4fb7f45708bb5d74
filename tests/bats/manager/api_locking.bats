#!/usr/bin/env bats
# rbox system service: long operations (a pull, a build, a logs follow, a wait) hold no
# service-wide lock: while one is in flight, other clients are answered.

load api_helpers

# a "registry" whose answer never ends: a status line, then a header line now and then (a
# TLS client gets a protocol error at once, a plain one a transfer that never stalls long
# enough to be given up): a pull from it hangs until the server goes
start_mute_registry() {
	MUTE_PORT_FILE="$BATS_TEST_TMPDIR/mute.port"
	timeout 300 python3 -c '
import socket, sys, threading, time
def serve(c):
    try:
        c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\n")
        while True:
            time.sleep(2)
            c.sendall(b"X-Wait: 1\r\n")
    except OSError:
        pass
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$MUTE_PORT_FILE" 3>&- &
	MUTE_PID=$!
	wait_for 100 0.05 test -s "$MUTE_PORT_FILE"
	MUTE="127.0.0.1:$(cat "$MUTE_PORT_FILE")"
}

eval "$(declare -f teardown | sed '1s/^teardown/api_teardown/')"
teardown() {
	[ -n "${MUTE_PID:-}" ] && { kill "$MUTE_PID" 2>/dev/null || true; wait "$MUTE_PID" 2>/dev/null || true; }
	api_teardown
}

@test "api locking: a pull that hangs does not hold up other clients; it fails when the registry goes" {
	need_docker
	start_mute_registry
	printf 'default_network = "none"\ninsecure_registries = ["%s"]\n' "$MUTE" >"$BATS_TEST_TMPDIR/rbox.conf"
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
	start_service
	curl -s --unix-socket "$API_SOCK" -o "$BATS_TEST_TMPDIR/pull.body" -w '%{http_code}' -X POST \
		"http://rbox/v1.41/images/create?fromImage=$MUTE/hang/img&tag=v1" >"$BATS_TEST_TMPDIR/pull.code" 3>&- &
	local pull=$!
	# the pull is in flight (its rbox-registry connected)
	wait_for 100 0.1 sh -c "ss -tn state established | grep -q '$MUTE'"
	# ... and other requests are answered meanwhile, while it still is
	run timeout 60 "$DOCKER" ps -a
	assert_success
	kill -0 "$pull"
	run timeout 60 "$DOCKER" run --rm busybox echo not-blocked
	assert_success
	assert_output not-blocked
	run timeout 60 "$DOCKER" images
	assert_success
	kill -0 "$pull"
	# the registry goes away: the pull ends with docker's error, the service stays healthy
	kill "$MUTE_PID"
	wait "$MUTE_PID" || true
	MUTE_PID=
	wait "$pull" || true
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pull.code")" 404
	jq -e '.message | length > 0' "$BATS_TEST_TMPDIR/pull.body"
	run api GET /_ping
	assert_output 200
}

@test "api locking: 50 concurrent clients run containers while a pull hangs and events stream: nothing lost" {
	need_docker
	start_mute_registry
	printf 'default_network = "none"\ninsecure_registries = ["%s"]\n' "$MUTE" >"$BATS_TEST_TMPDIR/rbox.conf"
	export RBOX_CONFIG="$BATS_TEST_TMPDIR/rbox.conf"
	start_service
	curl -s --unix-socket "$API_SOCK" -o /dev/null -X POST \
		"http://rbox/v1.41/images/create?fromImage=$MUTE/hang/img&tag=v1" 3>&- &
	local pull=$!
	curl -sN -D "$BATS_TEST_TMPDIR/ev.headers" --unix-socket "$API_SOCK" \
		'http://rbox/v1.41/events?filters=%7B%22event%22%3A%5B%22die%22%5D%7D' \
		>"$BATS_TEST_TMPDIR/events" 3>&- &
	local ev=$!
	wait_for 100 0.05 grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/ev.headers"
	"$DOCKER" image inspect busybox >/dev/null # the built-in image, made once
	local i pids=()
	for i in $(seq 1 50); do
		"$DOCKER" run --rm busybox sh -c "echo n$i; exit $((i % 5))" \
			>"$BATS_TEST_TMPDIR/c$i" 2>&1 3>&- &
		pids+=($!)
	done
	for i in $(seq 1 50); do
		local rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		[ "$rc" = $((i % 5)) ] || cat "$BATS_TEST_TMPDIR/c$i" >&2
		assert_equal "$rc" $((i % 5))
		assert_equal "$(cat "$BATS_TEST_TMPDIR/c$i")" "n$i"
	done
	kill -0 "$pull"
	# every container's die, seen by the stream as the log has it
	wait_for 100 0.1 sh -c "[ \$(grep -c '\"Action\":\"die\"' '$BATS_TEST_TMPDIR/events') -ge 50 ]"
	kill "$ev"
	wait "$ev" || true
	kill "$MUTE_PID"
	wait "$MUTE_PID" || true
	MUTE_PID=
	wait "$pull" || true
	run rbox ps -aq
	assert_output ""
}
