#!/usr/bin/env bats
# rbox build: Containerfiles of tests/fixtures/build/ built in the test's private store, RUN
# steps with --network none (the suite's rbox.conf). What a user sees: the STEP lines, the RUN
# output, the final ID, the image's config and files, the cache, the errors.

load helpers

FIX="$REPO_ROOT/tests/fixtures/build"

# A copy of fixture NAME as the context (tests change files in it): prints its path.
context() {
	local d="$BATS_TEST_TMPDIR/ctx-$1"
	rm -rf "$d"
	cp -a "$FIX/$1" "$d"
	echo "$d"
}

cfg() { # IMAGE JQ: a field of the image's config
	rbox image inspect "$1" | jq -c ".[0].Config$2"
}

@test "build: every instruction, the config and files of the image" {
	local ctx
	ctx=$(context all)
	chmod 644 "$ctx/hello.txt" # whatever the checkout's umask made of it
	mkdir "$ctx/tardata"
	echo in-tar >"$ctx/tardata/t.txt"
	tar -C "$ctx/tardata" -cf "$ctx/data.tar" .
	run rbox build -t all:1 "$ctx"
	assert_success
	assert_line --index 0 "STEP 1/23: ARG BASE=busybox"
	assert_line "STEP 2/23: FROM \${BASE} AS base"
	assert_line "STEP 13/23: RUN echo \"\$GREETING from \$(pwd)\" > /app/sub/run.txt && id -u > /app/sub/uid.txt"
	assert_line "Successfully tagged all:1"
	local id=${lines[-1]}
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	[ "$(rbox image inspect all:1 | jq -r '.[0].Id')" = "sha256:$id" ]
	[ "$(cfg all:1 .Cmd)" = '["cat /app/sub/run.txt"]' ]
	[ "$(cfg all:1 .Entrypoint)" = '["/bin/sh","-c"]' ]
	[ "$(cfg all:1 .WorkingDir)" = '"/app/sub"' ]
	[ "$(cfg all:1 .User)" = '"1000:1000"' ]
	[ "$(cfg all:1 .StopSignal)" = '"SIGINT"' ]
	[ "$(cfg all:1 '.ExposedPorts|keys')" = '["53/udp","8080/tcp"]' ]
	[ "$(cfg all:1 '.Volumes|keys')" = '["/cache","/data"]' ]
	[ "$(cfg all:1 .OnBuild)" = '["RUN echo triggered > /app/onbuild.txt"]' ]
	[ "$(cfg all:1 '.Labels["org.example.title"]')" = '"all instructions"' ]
	[ "$(cfg all:1 .Labels.version)" = '"1"' ]
	run cfg all:1 .Env
	assert_output --partial '"GREETING=hello","EMPTY=","PATHX=/opt/bin","OLDSTYLE=the old form"'
	refute_output --partial 'BASE='
	[ "$(rbox image inspect all:1 | jq -r '.[0].Author')" = "rbox tests" ]
	# the default command, as the image's user
	run rbox run --rm all:1
	assert_success
	assert_output "hello from /app/sub"
	run rbox run --rm --entrypoint "" -u 0 all:1 sh -c 'cat uid.txt exec.txt shell.txt hello.txt /unpacked/t.txt; stat -c "%u:%g %a %n" /app/dir /app/dir/x.sh /app/dir/nested/n.txt hello.txt'
	assert_success
	assert_output - <<'END'
0
exec form
shell honoured: /bin/sh
hello
in-tar
1000:1000 755 /app/dir
1000:1000 755 /app/dir/x.sh
1000:1000 755 /app/dir/nested/n.txt
0:0 644 hello.txt
END
	# no container is left by the RUN steps
	run rbox ps -aq
	assert_output ""
}

@test "build: a filesystem step is one layer, a metadata step none; history shows the steps" {
	local ctx
	ctx=$(context cache)
	run rbox build -q -t c "$ctx"
	assert_success
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	# busybox's layer + COPY, RUN, COPY, RUN
	[ "$(rbox image inspect c | jq '.[0].RootFS.Layers|length')" = 5 ]
	run rbox history --no-trunc c
	assert_success
	assert_line --index 1 --regexp '/bin/sh -c #\(nop\) CMD \["cat", "/one.txt"\] +0B'
	assert_line --index 2 --regexp '/bin/sh -c echo step-after-two +0B'
	assert_line --index 3 --regexp '/bin/sh -c #\(nop\) COPY two.txt /two.txt +4B'
	assert_line --index 6 --regexp '/bin/sh -c #\(nop\) ENV A=1 +0B'
	assert_line --index 7 --partial 'busybox'
	# --format (docker's fields), -q
	local id
	id=$(rbox image inspect -f '{{.Id}}' c)
	run rbox history --no-trunc --format '{{.CreatedBy}}|{{.Size}}' c
	assert_line --index 1 '/bin/sh -c echo step-after-two|0B'
	assert_line --index 2 '/bin/sh -c #(nop) COPY two.txt /two.txt|4B'
	run rbox history --format '{{.ID}} {{.CreatedSince}}' c
	assert_line --index 0 --regexp "^${id:7:12} .* ago$"
	assert_line --index 1 --regexp '^<missing> '
	run rbox history --format 'table {{.ID}}\t{{.Size}}' c
	assert_line --index 0 --regexp '^IMAGE +SIZE$'
	run rbox history --format json c
	assert_equal "$(head -n 1 <<<"$output" | jq -r '.CreatedBy')" '/bin/sh -c #(nop) CMD ["cat", "/one.txt"]'
	run rbox history -q c
	assert_line --index 0 "${id:7:12}"
	run rbox history -q --no-trunc c
	assert_line --index 0 "$id"
	run rbox history --format '{{.Nope}}' c
	assert_failure 125
	assert_equal "${#lines[@]}" 1
}

@test "build: a second build is all cache hits; a changed file invalidates from its COPY on" {
	local ctx id1 id2
	ctx=$(context cache)
	run rbox build -t c "$ctx"
	assert_success
	refute_output --partial "Using cache"
	assert_line "step-after-one"
	id1=${lines[-1]}
	run rbox build -t c "$ctx"
	assert_success
	[ "$(grep -c -- '--> Using cache' <<<"$output")" = 6 ]
	refute_line "step-after-one"
	[ "${lines[-1]}" = "$id1" ]
	# two.txt changes: the steps before its COPY come from the cache, the rest run again
	echo changed >"$ctx/two.txt"
	run rbox build -t c "$ctx"
	assert_success
	[ "$(grep -c -- '--> Using cache' <<<"$output")" = 3 ]
	refute_line "step-after-one"
	assert_line "step-after-two"
	id2=${lines[-1]}
	[ "$id2" != "$id1" ]
	run rbox run --rm c cat /two.txt
	assert_output changed
	# --no-cache runs everything
	run rbox build --no-cache "$ctx"
	assert_success
	refute_output --partial "Using cache"
	assert_line "step-after-one"
}

@test "build: --build-arg changes what RUN sees, and misses the cache" {
	cat >"$BATS_TEST_TMPDIR/Containerfile" <<'END'
FROM busybox
ARG WHO=world
RUN echo "hello $WHO"
END
	run rbox build "$BATS_TEST_TMPDIR"
	assert_success
	assert_line "hello world"
	run rbox build --build-arg WHO=rbox "$BATS_TEST_TMPDIR"
	assert_success
	assert_line "hello rbox"
	refute_output --partial "Using cache"
	# ARG values are not kept in the image
	run rbox image inspect "${lines[-1]}"
	refute_output --partial "WHO="
}

@test "build: a failing RUN stops the build with its exit status and line, nothing left" {
	local ctx
	ctx=$(context fail)
	run rbox build -t f "$ctx"
	[ "$status" -eq 7 ]
	assert_line "before"
	assert_line "failing"
	refute_line "never"
	assert_line --index -1 --regexp '^rbox: Containerfile:4: RUN echo failing; exit 7: exit status 7$'
	run rbox ps -aq
	assert_output ""
	run rbox image inspect f
	[ "$status" -ne 0 ]
}

@test "build: a bad Containerfile is one error line with the line number, nothing built" {
	printf 'FROM busybox\nRUN true\nFOO bar\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -t bad "$BATS_TEST_TMPDIR"
	[ "$status" -eq 125 ]
	assert_output "rbox: Containerfile:3: unknown instruction FOO"
	printf 'FROM busybox\nCOPY missing.txt /\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -t bad "$BATS_TEST_TMPDIR"
	[ "$status" -eq 125 ]
	assert_line --index -1 --regexp '^rbox: Containerfile:2: COPY missing.txt /: .*missing.txt'
	printf 'FROM busybox\nADD http://example.com/x /x\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build "$BATS_TEST_TMPDIR"
	[ "$status" -eq 125 ]
	assert_line --index -1 --partial "Containerfile:2: ADD http://example.com/x /x: ADD http://example.com/x: URLs are not supported"
	run rbox build --network ns:/nonexistent "$BATS_TEST_TMPDIR"
	[ "$status" -eq 125 ]
	assert_output --partial "--network ns:/nonexistent"
	run rbox build "$BATS_TEST_TMPDIR/nonexistent"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	run rbox image inspect bad
	[ "$status" -ne 0 ]
	run rbox ps -aq
	assert_output ""
}

@test "build: several stages, COPY --from a stage by name and number, FROM scratch, --target" {
	local ctx
	ctx=$(context multi)
	run rbox build -t m "$ctx"
	assert_success
	run rbox run --rm m
	assert_success
	assert_output "built"
	run rbox run --rm m /bin/busybox cat /other
	assert_output "other"
	# FROM scratch: only what was copied (busybox, artifact, other)
	[ "$(rbox image inspect m | jq '.[0].RootFS.Layers|length')" = 3 ]
	run rbox build --target builder -t m-builder "$ctx"
	assert_success
	assert_line "STEP 2/2: RUN mkdir /out && echo built > /out/artifact"
	run rbox run --rm m-builder cat /out/artifact
	assert_output "built"
	run rbox build --target nosuch "$ctx"
	[ "$status" -eq 125 ]
	assert_output "rbox: --target nosuch: no such stage in Containerfile"
}

@test "build: .dockerignore leaves files out of the context" {
	local ctx
	ctx=$(context ignore)
	run rbox build "$ctx"
	assert_success
	assert_line "/ctx/a.txt"
	assert_line "/ctx/keep.log"
	assert_line "/ctx/.dockerignore"
	refute_line "/ctx/drop.log"
	refute_line --partial "skipdir"
	refute_line "/ctx/Containerfile"
	refute_line --partial ".tmp"
	assert_line "/ctx/deep"
	# an excluded file named as a source is not in the context
	printf 'FROM busybox\nCOPY drop.log /\n' >"$ctx/Containerfile"
	run rbox build "$ctx"
	[ "$status" -eq 125 ]
	assert_line --index -1 --partial "Containerfile:2: COPY drop.log /: drop.log: excluded by .dockerignore"
}

@test "build: a Containerfile on stdin, -f, Dockerfile as the default name, ONBUILD" {
	run rbox build -t base-ob - <<'END'
FROM busybox
ONBUILD RUN echo onbuild ran > /ob.txt
END
	assert_success
	mkdir "$BATS_TEST_TMPDIR/d"
	printf 'FROM base-ob\nCMD ["cat", "/ob.txt"]\n' >"$BATS_TEST_TMPDIR/d/Dockerfile"
	run rbox build -t child "$BATS_TEST_TMPDIR/d"
	assert_success
	assert_line "--> ONBUILD RUN echo onbuild ran > /ob.txt"
	run rbox run --rm child
	assert_output "onbuild ran"
	# triggers run once: not inherited by the child
	[ "$(cfg child '.OnBuild // [] | length')" = 0 ]
	printf 'FROM busybox\nCMD ["echo", "from -f"]\n' >"$BATS_TEST_TMPDIR/other.cf"
	run rbox build -q -f "$BATS_TEST_TMPDIR/other.cf" -t viaf "$BATS_TEST_TMPDIR/d"
	assert_success
	run rbox run --rm viaf
	assert_output "from -f"
	# COPY without a context
	run rbox build - <<<$'FROM busybox\nCOPY x /x'
	[ "$status" -eq 125 ]
	assert_output --partial "needs a build context"
}

@test "build: --label on the final image; rbox build --help" {
	printf 'FROM busybox\nLABEL a=1\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -q --label b=2 --label a=3 -t l "$BATS_TEST_TMPDIR"
	assert_success
	[ "$(rbox image inspect l | jq -cS '.[0].Config.Labels')" = '{"a":"3","b":"2"}' ]
	run rbox build --help
	assert_success
	assert_output --partial "Usage: rbox build [OPTIONS] CONTEXT"
}

@test "build: an image with the same layer twice (two RUN steps that change nothing) runs" {
	# (the sleep puts the two steps in different seconds: the mount points the runtime makes in
	# /etc must leave its mtime alone, or the layers differ)
	printf 'FROM busybox\nRUN sleep 1.1\nRUN echo x > /x\nRUN true\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -q -t twice "$BATS_TEST_TMPDIR"
	assert_success
	run rbox image inspect twice
	[ "$(jq -r '.[0].RootFS.Layers[1]' <<<"$output")" = "$(jq -r '.[0].RootFS.Layers[3]' <<<"$output")" ]
	run rbox run --rm twice cat /x
	assert_success
	assert_output x
}

@test "build: COPY wildcards and --from an image, ADD of a gzip tar, .containerignore" {
	local d=$BATS_TEST_TMPDIR/w
	mkdir -p "$d/src/t"
	echo 1 >"$d/src/a.txt"
	echo 2 >"$d/src/b.txt"
	echo 3 >"$d/src/c.md"
	echo t >"$d/src/t/in-tar"
	tar -C "$d/src/t" -czf "$d/data.tgz" .
	rm -r "$d/src/t"
	echo secret >"$d/src/secret.txt"
	printf 'src/secret.txt\n' >"$d/.containerignore"
	cat >"$d/Containerfile" <<'END'
FROM scratch
COPY --from=busybox /bin/busybox /bin/
COPY src/*.txt /txt/
ADD data.tgz /t/
ADD src/c.md /c.md
END
	run rbox build -t w "$d"
	assert_success
	run rbox run --rm w /bin/busybox sh -c 'cd / && /bin/busybox find /txt /t /c.md | /bin/busybox sort'
	assert_success
	assert_output - <<'END'
/c.md
/t
/t/in-tar
/txt
/txt/a.txt
/txt/b.txt
END
	# several sources need a directory destination
	printf 'FROM busybox\nCOPY src/*.txt /one\n' >"$d/Containerfile"
	run rbox build "$d"
	[ "$status" -eq 125 ]
	assert_line --index -1 --partial "Containerfile:2: COPY src/*.txt /one: with more than one source, the destination /one must be a directory"
}

@test "build: commit -c VOLUME and ONBUILD, the config changes the builder uses" {
	rbox create --name vc busybox true >/dev/null
	run rbox commit -c 'VOLUME /v' -c 'ONBUILD RUN echo x' -c 'ONBUILD COPY a b' vc vc-img
	assert_success
	[ "$(cfg vc-img '.Volumes|keys')" = '["/v"]' ]
	[ "$(cfg vc-img .OnBuild)" = '["RUN echo x","COPY a b"]' ]
	run rbox commit -c 'ONBUILD []' vc vc-img2
	assert_success
	[ "$(cfg vc-img2 '.OnBuild // [] | length')" = 0 ]
	rbox rm vc >/dev/null
}

@test "build: EXPOSE ranges and protocols; a bad port is refused with its line" {
	printf 'FROM busybox\nEXPOSE 80 9000-9002/UDP 7/sctp\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -q -t ex "$BATS_TEST_TMPDIR"
	assert_success
	[ "$(cfg ex '.ExposedPorts|keys')" = '["7/sctp","80/tcp","9000/udp","9001/udp","9002/udp"]' ]
	printf 'FROM busybox\nENV P=http\nEXPOSE $P\n' >"$BATS_TEST_TMPDIR/Containerfile"
	run rbox build -q "$BATS_TEST_TMPDIR"
	[ "$status" -eq 125 ]
	assert_output "rbox: Containerfile:3: EXPOSE \$P: http is not a port (1-65535) or a range LOW-HIGH"
}

@test "build: --network host runs RUN in the caller's network namespace, none in an empty one" {
	printf 'FROM busybox\nRUN ls /sys/class/net | tr "\\n" " "; echo\n' >"$BATS_TEST_TMPDIR/Containerfile"
	# the "host" is a network namespace of this test's own, with a veth pair in it
	run unshare -n sh -c 'ip link add bv0 type veth peer name bv1 &&
		"$1" build --no-cache --network host "$2" && "$1" build --no-cache "$2"' sh "$RBOX_BIN" "$BATS_TEST_TMPDIR"
	assert_success
	assert_line "bv0 bv1 lo "
	assert_line "lo "
}

@test "build: unpacked layers keep their directories' modes, and nothing in our cwd changes" {
	# libarchive sets directory modes at close by relative path: it must happen in the layer
	local cwd=$BATS_TEST_TMPDIR/cwd
	mkdir -p "$cwd/tmp" "$cwd/var/tmp"
	chmod 700 "$cwd/tmp" "$cwd/var/tmp"
	cd "$cwd"
	run rbox run --rm busybox stat -c '%a %n' /tmp /var/tmp /root
	assert_success
	assert_output $'1777 /tmp\n1777 /var/tmp\n700 /root'
	[ "$(stat -c %a "$cwd/tmp") $(stat -c %a "$cwd/var/tmp")" = "700 700" ]
}
