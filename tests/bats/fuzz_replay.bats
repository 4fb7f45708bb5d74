#!/usr/bin/env bats
# The fuzz targets (tests/fuzz/, docs/security.md) as regression tests: every committed corpus
# input and every past crash input, fed once to each target built as a plain program (gcc,
# ASan + UBSan, -O0, no libFuzzer: `make fuzz-replay`). A crash, a sanitizer report or a broken
# property of the parser (a FUZZ_ASSERT) fails the test. Parsers get a 1 MB stack here: one
# that recursed per argument overflowed it (tests/fuzz/flags/crashes/rm-false-30000).

load helpers

FUZZ_DIR="$REPO_ROOT/tests/fuzz"
REPLAY_BIN="$RBOX_BUILD/fuzz/replay/bin"

setup_file() {
	# up to date when `make test` ran (it depends on fuzz-replay); built here for a lone run
	make -C "$REPO_ROOT" -s BUILD="$RBOX_BUILD" fuzz-replay >/dev/null
}

setup() {
	BUNDLE=
	STATE_ROOT=
}

teardown() {
	:
}

# replay TARGET: every input of tests/fuzz/TARGET/{corpus,crashes}
replay() {
	local t=$1 n d dirs=()
	for d in corpus crashes; do
		[ -d "$FUZZ_DIR/$t/$d" ] && dirs+=("$FUZZ_DIR/$t/$d")
	done
	n=$(find "${dirs[@]}" -type f ! -name '.*' | wc -l)
	[ "$n" -gt 0 ]
	LSAN_OPTIONS=suppressions=$FUZZ_DIR/lsan.supp:print_suppressions=0 \
		run bash -c 'ulimit -s 1024 && exec "$@"' replay "$REPLAY_BIN/fuzz_$t" "${dirs[@]}"
	assert_success
	assert_output "$n inputs"
}

@test "fuzz replay: config.json parse and validate, cgroupsPath (fuzz_config)" {
	replay config
}

@test "fuzz replay: seccomp profiles, rbox's and the runtime's verdicts agree (fuzz_seccomp)" {
	replay seccomp
}

@test "fuzz replay: -v and --tmpfs values (fuzz_mounts)" {
	replay mounts
}

@test "fuzz replay: image references and names (fuzz_imageref)" {
	replay imageref
}

@test "fuzz replay: state file and sandbox.conf round trips (fuzz_state)" {
	replay state
}

@test "fuzz replay: the verdict JSON and the stats scanner (fuzz_report)" {
	replay report
}

@test "fuzz replay: run/create flags (fuzz_flags)" {
	replay flags
}

@test "fuzz replay: the --format Go-template evaluator (fuzz_template)" {
	replay template
}

@test "fuzz replay: rbox.conf, -p values and subnets (fuzz_netconf)" {
	replay netconf
}

@test "fuzz replay: registry references and hosts (fuzz_regref)" {
	replay regref
}

@test "fuzz replay: WWW-Authenticate challenges (fuzz_wwwauth)" {
	replay wwwauth
}

@test "fuzz replay: Containerfiles, directives, continuations, substitution (fuzz_dockerfile)" {
	replay dockerfile
}
