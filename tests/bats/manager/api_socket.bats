#!/usr/bin/env bats
# rbox system service's socket: owner group and mode (a non-member gets EACCES), and systemd
# socket activation (LISTEN_FDS: the socket it is given as fd 3).

load api_helpers

SOCK_DIR=

# connect PATH as uid 65534 with GROUPS ("" for none): prints connected or the errno name
connect_as_nobody() {
	local groups=(--clear-groups)
	[ -n "$2" ] && groups=(--groups "$2")
	setpriv --reuid 65534 --regid 65534 "${groups[@]}" /usr/bin/python3 -c '
import errno, socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
    print("connected", s.recv(64).split(b"\r\n")[0].decode())
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1"
}

@test "api: --group and --mode: members of the group reach the API, others get EACCES" {
	command -v setpriv >/dev/null || skip "needs setpriv"
	# a directory everyone may search, so that only the socket's own mode decides
	SOCK_DIR=$(mktemp -d /tmp/rbox-api-sock.XXXXXX)
	chmod 0755 "$SOCK_DIR"
	API_SOCK="$SOCK_DIR/docker.sock"
	"$RBOX_BIN" system service --socket "$API_SOCK" --timeout 120 --group 4242 --mode 0660 \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null 3>&- &
	API_PID=$!
	wait_for 100 0.05 test -S "$API_SOCK"
	run stat -c '%a %u %g' "$API_SOCK"
	assert_output "660 0 4242"
	run connect_as_nobody "$API_SOCK" 4242
	assert_output "connected HTTP/1.1 200 OK"
	run connect_as_nobody "$API_SOCK" ""
	assert_output EACCES
	stop_service
	[ ! -e "$API_SOCK" ]
	rmdir "$SOCK_DIR"
	SOCK_DIR=
}

@test "api: socket activation: LISTEN_FDS=1 and LISTEN_PID serve fd 3, and leave the socket" {
	API_SOCK="$BATS_TEST_TMPDIR/activated.sock"
	# what systemd does: bind and listen, then exec the service with the socket as fd 3
	/usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
' "$API_SOCK" "$RBOX_BIN" system service --socket /nonexistent/ignored.sock --timeout 120 \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null 3>&- &
	API_PID=$!
	wait_for 100 0.05 sh -c "curl -sf --unix-socket '$API_SOCK' http://rbox/_ping >/dev/null"
	run api GET /v1.41/containers/json
	assert_output 200
	assert_equal "$(body)" "[]"
	run cat "$BATS_TEST_TMPDIR/service.log"
	assert_output --partial "fd 3"
	stop_service
	# the socket is systemd's: still there
	[ -S "$API_SOCK" ]
}

teardown() {
	stop_service
	[ -n "$SOCK_DIR" ] && rm -rf "$SOCK_DIR"
	manager_teardown
}
