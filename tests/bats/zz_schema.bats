#!/usr/bin/env bats
# Runs last: every bundle in bundles/, the output of `spec`, and every config the suites generated
# during this run (collected by helpers.bash) validate against spec/config-schema.json.

load helpers

setup() {
	BUNDLE=
	STATE_ROOT=
}

teardown() {
	:
}

@test "schema: every bundle in bundles/ validates" {
	run /usr/bin/python3 "$SCHEMA_VALIDATOR" "$REPO_ROOT"/bundles/*/config.json
	assert_success
}

@test "schema: the output of spec and spec --rootless validates" {
	local d="$BATS_TEST_TMPDIR"
	mkdir -p "$d/a" "$d/b"
	"$RUNTIME_BIN" spec -b "$d/a"
	"$RUNTIME_BIN" spec --rootless -b "$d/b"
	run /usr/bin/python3 "$SCHEMA_VALIDATOR" "$d/a/config.json" "$d/b/config.json"
	assert_success
}

@test "schema: every config the tests generated validates" {
	[ -d "$CONFIG_ARCHIVE" ] || skip "no other suite ran in this bats run"
	run /usr/bin/python3 "$SCHEMA_VALIDATOR" "$CONFIG_ARCHIVE"/*.json
	assert_success
	echo "validated $(ls "$CONFIG_ARCHIVE" | wc -l) configs"
}
