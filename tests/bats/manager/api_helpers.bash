# api_helpers.bash - the API tests (api*.bats): `rbox system service` on a socket in the
# test's tmpdir, over the suite's private store, driven by the real clients: the docker CLI
# (tests/helpers/docker-client.sh finds or unpacks one), Debian's python3-docker and
# docker-compose. Every service a test starts is bounded by --timeout and stopped by PID in
# teardown, before the suite's own teardown removes the containers.

load helpers

API_SOCK=
API_PID=

# start_service [FLAGS...]: serve on $API_SOCK (default --timeout 120: bounded even if the
# teardown never runs); sets DOCKER_HOST.
start_service() {
	API_SOCK="$BATS_TEST_TMPDIR/docker.sock"
	"$RBOX_BIN" system service --socket "$API_SOCK" --timeout 120 "$@" \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null 3>&- &
	API_PID=$!
	wait_for 100 0.05 test -S "$API_SOCK"
	export DOCKER_HOST="unix://$API_SOCK"
	# the CLI's own files (config, contexts) stay in the test's tmpdir
	export DOCKER_CONFIG="$BATS_TEST_TMPDIR/docker-config"
}

stop_service() {
	if [ -n "$API_PID" ]; then
		kill "$API_PID" 2>/dev/null || true
		wait "$API_PID" 2>/dev/null || true
		API_PID=
	fi
}

# The docker CLI, or skip.
need_docker() {
	DOCKER=$("$REPO_ROOT/tests/helpers/docker-client.sh") ||
		skip "no docker CLI (docker.io: neither installed nor downloadable)"
}

docker() {
	"$DOCKER" "$@"
}

# Debian's Docker SDK for Python (python3-docker), by the system python.
need_pydocker() {
	/usr/bin/python3 -c 'import docker' 2>/dev/null || skip "needs python3-docker"
}

# api METHOD PATH [JSON]: the HTTP status on stdout, the body in $BATS_TEST_TMPDIR/body.
api() {
	local data=()
	[ $# -ge 3 ] && data=(-H 'Content-Type: application/json' --data-binary "$3")
	curl -s --unix-socket "$API_SOCK" -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
		-X "$1" "${data[@]}" "http://rbox$2"
}

body() {
	cat "$BATS_TEST_TMPDIR/body"
}

eval "$(declare -f teardown | sed '1s/^teardown/manager_teardown/')"
teardown() {
	stop_service
	manager_teardown
}
