# registry_helpers.bash - the registry suites (registry*.bats): Debian's docker-registry (the CNCF
# distribution registry) started by the test on a free port of 127.0.0.1 with its storage in the
# test's tmpdir, optionally with htpasswd basic auth, TLS from a CA the test makes, or the bearer
# token flow of tests/helpers/token-server.py. Images go in and come out with skopeo; rbox's side
# is rbox-registry (what `rbox pull/push/login/logout` run). Every server is wrapped in
# `timeout 600` and stopped by PID in teardown.

load helpers
# the manager suite's teardown, run after the servers are stopped
eval "manager_teardown() $(declare -f teardown | tail -n +2)"

REG_BIN="$RBOX_BUILD/bin/rbox-registry"
MKOCI="$REPO_ROOT/tests/helpers/mkoci.py"
TOKEN_SERVER="$REPO_ROOT/tests/helpers/token-server.py"
SERVER_PIDS=()

reg() {
	"$REG_BIN" "$@"
}

requires_registry() {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed (make deps)"
	command -v skopeo >/dev/null || skip "skopeo is not installed (make deps)"
	[ -x "$REG_BIN" ] || skip "$REG_BIN is not built"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_ca DIR: a CA and a server certificate for 127.0.0.1 signed by it (DIR/ca.crt,
# DIR/server.crt, DIR/server.key)
make_ca() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rbox test CA" \
		-keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
	# what clients trust: the CA's certificate alone (skopeo pairs a *.key with a *.cert)
	mkdir -p "$d/trust"
	cp "$d/ca.crt" "$d/trust/ca.crt"
}

# start_registry [--htpasswd USER PASS] [--tls] [--token USER PASS]
# Sets REG (127.0.0.1:PORT), REG_DIR, REG_LOG, REG_STORAGE, REG_SCHEME; with --tls CA_DIR, a
# directory with only the CA's ca.crt (a --cert-dir for rbox and skopeo).
start_registry() {
	REG_DIR="$BATS_TEST_TMPDIR/registry"
	REG_STORAGE="$REG_DIR/storage"
	REG_LOG="$REG_DIR/log"
	mkdir -p "$REG_STORAGE"
	local port auth="" tls=""
	port=$(free_port)
	REG="127.0.0.1:$port"
	REG_SCHEME=http
	while [ $# -gt 0 ]; do
		case "$1" in
		--htpasswd)
			htpasswd -Bbc "$REG_DIR/htpasswd" "$2" "$3" 2>/dev/null
			auth=$(printf 'auth:\n  htpasswd:\n    realm: rbox-test\n    path: %s\n' "$REG_DIR/htpasswd")
			shift 2
			;;
		--tls)
			make_ca "$BATS_TEST_TMPDIR/ca"
			CA_DIR="$BATS_TEST_TMPDIR/ca/trust"
			tls=$(printf '  tls:\n    certificate: %s\n    key: %s\n' "$BATS_TEST_TMPDIR/ca/server.crt" "$BATS_TEST_TMPDIR/ca/server.key")
			REG_SCHEME=https
			;;
		--token)
			start_token_server "$2" "$3"
			auth=$(printf 'auth:\n  token:\n    realm: http://%s/token\n    service: rbox-test\n    issuer: rbox-test-issuer\n    rootcertbundle: %s\n' \
				"$TOKEN_ADDR" "$TOKEN_DIR/token.crt")
			shift 2
			;;
		esac
		shift
	done
	cat >"$REG_DIR/config.yml" <<-EOF
		version: 0.1
		log:
		  level: info
		  accesslog:
		    disabled: false
		storage:
		  filesystem:
		    rootdirectory: $REG_STORAGE
		  delete:
		    enabled: true
		http:
		  addr: $REG
		$tls
		$auth
	EOF
	# the registry reads REGISTRY_* variables as configuration (REGISTRY_AUTH_FILE: auth.file)
	env -u REGISTRY_AUTH_FILE timeout 600 docker-registry serve "$REG_DIR/config.yml" >"$REG_LOG" 2>&1 &
	SERVER_PIDS+=($!)
	local i
	for i in $(seq 100); do
		if curl -sk -o /dev/null "$REG_SCHEME://$REG/v2/"; then
			return 0
		fi
		sleep 0.1
	done
	echo "the registry did not start:" >&2
	cat "$REG_LOG" >&2
	return 1
}

# start_token_server USER PASS: sets TOKEN_ADDR, TOKEN_DIR, TOKEN_LOG
start_token_server() {
	TOKEN_DIR="$BATS_TEST_TMPDIR/token"
	TOKEN_LOG="$TOKEN_DIR/log"
	mkdir -p "$TOKEN_DIR"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rbox token signer" \
		-keyout "$TOKEN_DIR/token.key" -out "$TOKEN_DIR/token.crt" 2>/dev/null
	timeout 600 python3 "$TOKEN_SERVER" "$TOKEN_DIR/port" "$TOKEN_DIR/token.key" \
		"$TOKEN_DIR/token.crt" rbox-test-issuer "$1" "$2" 2>"$TOKEN_LOG" &
	SERVER_PIDS+=($!)
	local i
	for i in $(seq 100); do
		[ -s "$TOKEN_DIR/port" ] && break
		sleep 0.1
	done
	TOKEN_ADDR="127.0.0.1:$(cat "$TOKEN_DIR/port")"
}

stop_servers() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SERVER_PIDS=()
}

# skopeo's flags for this registry
skopeo_tls() { # src|dest
	if [ "$REG_SCHEME" = https ]; then
		echo "--$1-cert-dir=$CA_DIR"
	else
		echo "--$1-tls-verify=false"
	fi
}

# put_image LAYOUT TAG REPO:TAG [skopeo flags]: copy an OCI layout into the registry
put_image() {
	local layout=$1 tag=$2 dest=$3
	shift 3
	skopeo copy -q $(skopeo_tls dest) "$@" "oci:$layout:$tag" "docker://$REG/$dest" >/dev/null
}

# blob_gets: how many blob GETs the registry has logged (its access log)
blob_gets() {
	grep -c '"GET /v2/[^ ]*/blobs/sha256:' "$REG_LOG" || true
}

# start_service: rbox system service on $API_SOCK for the API suites against a registry
# (api_pull.bats, api_push.bats), bounded by --timeout and stopped by PID in teardown, first;
# sets DOCKER_HOST and DOCKER_CONFIG (in the test's tmpdir).
start_service() {
	API_SOCK="$BATS_TEST_TMPDIR/docker.sock"
	"$RBOX_BIN" system service --socket "$API_SOCK" --timeout 120 \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null 3>&- &
	API_PID=$!
	wait_for 100 0.05 test -S "$API_SOCK"
	export DOCKER_HOST="unix://$API_SOCK" DOCKER_CONFIG="$BATS_TEST_TMPDIR/docker-config"
}

teardown() {
	[ -n "${API_PID:-}" ] && { kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; }
	stop_servers
	manager_teardown
}
