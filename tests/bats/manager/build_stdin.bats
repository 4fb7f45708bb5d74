#!/usr/bin/env bats
# rbox build -: a tar archive on stdin is the build context (as docker build - takes one); any
# other stdin is still the Containerfile.

load helpers

@test "build -: a tar context on stdin (piped or a file, plain or gzip), -f inside it" {
	local ctx="$BATS_TEST_TMPDIR/ctx"
	mkdir -p "$ctx/sub"
	printf 'FROM busybox\nCOPY sub/f.txt /f.txt\nCMD ["cat", "/f.txt"]\n' >"$ctx/Dockerfile"
	printf 'FROM busybox\nCOPY sub/f.txt /g.txt\nCMD ["cat", "/g.txt"]\n' >"$ctx/sub/Alt"
	echo from-the-tar >"$ctx/sub/f.txt"
	chmod 0751 "$ctx/sub/f.txt"
	tar -C "$ctx" -cf "$BATS_TEST_TMPDIR/ctx.tar" .
	run sh -c "cat '$BATS_TEST_TMPDIR/ctx.tar' | '$RBOX_BIN' build -t tarctx -"
	assert_success
	run rbox run --rm tarctx
	assert_output from-the-tar
	run rbox run --rm tarctx stat -c %a /f.txt
	assert_output 751
	tar -C "$ctx" -czf "$BATS_TEST_TMPDIR/ctx.tgz" .
	run rbox build -t tarctx:alt -f sub/Alt - <"$BATS_TEST_TMPDIR/ctx.tgz"
	assert_success
	run rbox run --rm tarctx:alt
	assert_output from-the-tar
	# the unpacked context is gone
	run ls "$RBOX_RUNROOT"
	refute_output --partial build-context
	# a Containerfile on stdin is one still
	run sh -c "printf 'FROM busybox\nCMD [\"echo\", \"plain\"]\n' | '$RBOX_BIN' build -t plainfile -"
	assert_success
	run rbox run --rm plainfile
	assert_output plain
	# a context whose tar is cut short: one error line, nothing built
	head -c 700 "$BATS_TEST_TMPDIR/ctx.tar" >"$BATS_TEST_TMPDIR/cut.tar"
	run rbox build -t cut - <"$BATS_TEST_TMPDIR/cut.tar"
	assert_failure
	assert_output --partial "build context"
	run ls "$RBOX_RUNROOT"
	refute_output --partial build-context
}
