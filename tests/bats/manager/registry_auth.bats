#!/usr/bin/env bats
# registry_auth.bats - login, logout and authenticated pull/push: htpasswd basic auth, TLS with a
# CA the test makes (--cert-dir, podman's certs.d layout), and the bearer-token flow of a token
# server the test runs (tests/helpers/token-server.py, Docker Hub's protocol).

load registry_helpers

setup() {
	# the manager suite's setup, then a private auth file (never the host's)
	export RBOX_ROOT="$BATS_TEST_TMPDIR/root"
	export RBOX_RUNROOT="$BATS_TEST_TMPDIR/run"
	export RBOX_CGROUP_PARENT="$CG_PREFIX"
	STATE_ROOT="$RBOX_RUNROOT/runtime"
	export REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json"
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg"
	unset DOCKER_CONFIG XDG_CONFIG_HOME
}

teardown() {
	[ -z "${CERTS_D:-}" ] || rm -rf "$CERTS_D"
	stop_servers
	manager_teardown
}

requires_htpasswd() {
	command -v htpasswd >/dev/null || skip "htpasswd (apache2-utils) is not installed (make deps)"
}

@test "basic auth: anonymous pull gets one 401 line; login stores auth.json; pull works; logout" {
	requires_registry
	requires_htpasswd
	start_registry --htpasswd alice s3cret
	make_multi() { python3 "$MKOCI" image "$1" v1 --layer /bin/busybox:/bin/busybox --random 1000; }
	make_multi "$BATS_TEST_TMPDIR/src"
	put_image "$BATS_TEST_TMPDIR/src" v1 priv/img:v1 --dest-creds alice:s3cret
	run -125 reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/priv/img:v1"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "401"
	assert_output --partial "$REG/priv/img:v1"
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	# wrong password: refused, nothing stored
	run -125 reg login --tls-verify=false -u alice -p wrong "$REG"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "401"
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	# through rbox, with the password on stdin
	run rbox login --tls-verify=false -u alice --password-stdin "$REG" <<<"s3cret"
	assert_success
	assert_output --partial "Login Succeeded"
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	[ "$(jq -r ".auths[\"$REG\"].auth" "$REGISTRY_AUTH_FILE" | base64 -d)" = "alice:s3cret" ]
	# skopeo reads the same file
	skopeo inspect --tls-verify=false --authfile "$REGISTRY_AUTH_FILE" "docker://$REG/priv/img:v1" >/dev/null
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/priv/img:v1"
	assert_success
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" "$REG/priv/copy:v1"
	assert_success
	run rbox logout "$REG"
	assert_success
	assert_output --partial "Removed login credentials for $REG"
	[ "$(jq -r ".auths[\"$REG\"]" "$REGISTRY_AUTH_FILE")" = null ]
	run -125 rbox logout "$REG"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "not logged into $REG"
}

@test "credentials are read from --authfile and from docker's config.json" {
	requires_registry
	requires_htpasswd
	start_registry --htpasswd bob pw
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" v1 --random 1000
	put_image "$BATS_TEST_TMPDIR/src" v1 priv/img:v1 --dest-creds bob:pw
	mkdir -p "$HOME/.docker"
	printf '{"auths": {"http://%s": {"auth": "%s"}}}\n' "$REG" "$(printf bob:pw | base64)" >"$HOME/.docker/config.json"
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out1" "$REG/priv/img:v1"
	assert_success
	rm "$HOME/.docker/config.json"
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REG" "$(printf bob:pw | base64)" >"$BATS_TEST_TMPDIR/other.json"
	run reg pull --tls-verify=false --authfile "$BATS_TEST_TMPDIR/other.json" \
		--layout "$BATS_TEST_TMPDIR/out2" "$REG/priv/img:v1"
	assert_success
	# login keeps the other entries of the file
	printf '{"auths": {"example.com": {"auth": "eDp5"}}, "credHelpers": {}}\n' >"$REGISTRY_AUTH_FILE"
	run reg login --tls-verify=false -u bob -p pw "$REG"
	assert_success
	jq -e '.auths["example.com"].auth == "eDp5" and .credHelpers == {}' "$REGISTRY_AUTH_FILE"
}

@test "TLS: a registry with a certificate of the test's CA, trusted through --cert-dir" {
	requires_registry
	start_registry --tls
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" v1 --layer /bin/busybox:/bin/busybox --random 1000
	put_image "$BATS_TEST_TMPDIR/src" v1 tls/img:v1
	# the CA unknown: refused, one line
	run -125 reg pull --layout "$BATS_TEST_TMPDIR/out" "$REG/tls/img:v1"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "$REG"
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	mkdir -p "$BATS_TEST_TMPDIR/certs"
	cp "$CA_DIR/ca.crt" "$BATS_TEST_TMPDIR/certs/"
	run reg pull --cert-dir "$BATS_TEST_TMPDIR/certs" --layout "$BATS_TEST_TMPDIR/out" "$REG/tls/img:v1"
	assert_success
	run rbox push --cert-dir "$BATS_TEST_TMPDIR/certs" --layout "$BATS_TEST_TMPDIR/out" "$REG/tls/copy:v1"
	assert_success
	skopeo inspect --cert-dir "$CA_DIR" "docker://$REG/tls/copy:v1" >/dev/null
	# podman's certs.d convention: /etc/containers/certs.d/HOST:PORT/ca.crt (this port's only)
	CERTS_D="/etc/containers/certs.d/$REG"
	mkdir -p "$CERTS_D"
	cp "$CA_DIR/ca.crt" "$CERTS_D/"
	run reg pull --layout "$BATS_TEST_TMPDIR/out3" "$REG/tls/img:v1"
	assert_success
	rm -rf "$CERTS_D"
	# --tls-verify=false: no check at all
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out2" "$REG/tls/img:v1"
	assert_success
}

@test "bearer tokens: a token server like Docker Hub's; anonymous denied, login, pull, push, mount" {
	requires_registry
	start_registry --token carol tok3n
	python3 "$MKOCI" image "$BATS_TEST_TMPDIR/src" v1 --layer /bin/busybox:/bin/busybox --random 1000
	# anonymous: a token without access, so the registry says 401
	run -125 reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" "$REG/tok/img:v1"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "401"
	run -125 reg login --tls-verify=false -u carol -p wrong "$REG"
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial "401"
	run reg login --tls-verify=false -u carol -p tok3n "$REG"
	assert_success
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" "$REG/tok/img:v1"
	assert_success
	# the tokens were asked for the repository's scope
	grep -q 'scope=repository%3Atok%2Fimg%3Apull%2Cpush' "$TOKEN_LOG"
	run reg pull --tls-verify=false --layout "$BATS_TEST_TMPDIR/out" "$REG/tok/img:v1"
	assert_success
	skopeo inspect "oci:$BATS_TEST_TMPDIR/out" >/dev/null
	run reg push --tls-verify=false --layout "$BATS_TEST_TMPDIR/src" --mount-from tok/img "$REG/tok/other:v1"
	assert_success
	assert_output --partial "Mounted from tok/img"
	skopeo inspect --tls-verify=false --creds carol:tok3n "docker://$REG/tok/other:v1" >/dev/null
}
