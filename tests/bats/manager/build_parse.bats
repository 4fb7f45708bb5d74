#!/usr/bin/env bats
# The Containerfile parser and docker's word lexer (manager/rbox/build/parse.h) alone, through
# tests/helpers/bf-check: tables of inputs and what docker's classic builder / buildkit makes
# of them, then the errors (one line, the file and line number).

load helpers

BF_CHECK="$RBOX_BUILD/test/bf-check"

setup() {
	BUNDLE=
	STATE_ROOT=
}

teardown() {
	:
}

# Each line of stdin: MODE<TAB>INPUT<TAB>VARS (space separated K=V, - for none)<TAB>EXPECTED.
# MODE is expand or fields; EXPECTED "error: TEXT" is the error line (exit 1).
run_lex_table() {
	local mode in vars want out err rc bad=0 n=0
	while IFS=$'\t' read -r mode in vars want; do
		[ -n "$mode" ] || continue
		n=$((n + 1))
		err=$(mktemp)
		rc=0
		# shellcheck disable=SC2086 # vars are word-split on purpose
		[ "$vars" != - ] || vars=
		out=$("$BF_CHECK" --"$mode" "$in" $vars 2>"$err") || rc=$?
		if [[ "$want" == "error: "* ]]; then
			if [ "$rc" -ne 1 ] || [ "$(cat "$err")" != "${want#error: }" ]; then
				echo "case $n: $in: want error [${want#error: }], got rc=$rc out=[$out] err=[$(cat "$err")]"
				bad=1
			fi
		elif [ "$rc" -ne 0 ] || [ "$out" != "$want" ]; then
			echo "case $n: $in: want [$want], got rc=$rc [$out] err=[$(cat "$err")]"
			bad=1
		fi
		rm -f "$err"
	done
	[ "$n" -gt 10 ]
	return $bad
}

@test "build parse: variable substitution as docker's lexer" {
	run_lex_table <<'END'
expand	$A	A=1	<1>
expand	${A}x	A=1	<1x>
expand	$A_B	A=1	<>
expand	${A}_B	A=1	<1_B>
expand	$UNSET	-	<>
expand	${A:-def}	-	<def>
expand	${A:-def}	A=	<def>
expand	${A-def}	A=	<>
expand	${A-def}	-	<def>
expand	${A:-def}	A=v	<v>
expand	${A:+alt}	A=v	<alt>
expand	${A:+alt}	A=	<>
expand	${A+alt}	A=	<alt>
expand	${A:+alt}	-	<>
expand	${A:-${B:-deep}}	-	<deep>
expand	${A:-$B}	B=b	<b>
expand	${A:?}	A=1	<1>
expand	${A:?need A}	-	error: A: need A
expand	${A	A=1	error: missing '}' after ${A
expand	${}	-	error: bad substitution: ${ without a variable name
expand	${A/x/y}	A=1	error: unsupported modifier (/) in substitution ${A
expand	\$A	A=1	<$A>
expand	'$A'	A=1	<$A>
expand	"$A"	A=1	<1>
expand	"\$A"	A=1	<$A>
expand	"a\"b"	-	<a"b>
expand	"a\nb"	-	<a\nb>
expand	a\ b	-	<a b>
expand	$	A=1	<$>
expand	$-x	-	<$-x>
expand	'unterminated	-	error: unexpected end of statement while looking for matching single-quote
expand	"unterminated	-	error: unexpected end of statement while looking for matching double-quote
expand	"${A}"'${A}'	A=1	<1${A}>
fields	a b  c	-	<a><b><c>
fields	"a b" c	-	<a b><c>
fields	$A	A=x	<x>
fields	x$A	A=1	<x1>
fields	"" x	-	<><x>
fields	a\ b c	-	<a b><c>
fields	'$A' "$A"	A=1	<$A><1>
END
}

@test "build parse: unquoted expansions split into fields, quoted ones do not" {
	run "$BF_CHECK" --fields 'a $V "$V"' 'V=x  y'
	assert_success
	assert_output '<a><x><y><x  y>'
}

@test "build parse: the escape directive switches the escape character" {
	run "$BF_CHECK" --escape='`' --expand 'C:\dir`$A' A=1
	assert_success
	assert_output '<C:\dir$A>'
	run "$BF_CHECK" --escape='`' --expand '"a`"b"'
	assert_success
	assert_output '<a"b>'
}

@test "build parse: ENV, LABEL and ARG pairs (raw values, expanded later)" {
	run "$BF_CHECK" --pairs 'ENV A=1 B="two words" C=${A:-x}'
	assert_success
	assert_output $'<A>=<1>\n<B>=<"two words">\n<C>=<${A:-x}>'
	run "$BF_CHECK" --pairs 'env OLD the rest  of the line'
	assert_success
	assert_output '<OLD>=<the rest  of the line>'
	run "$BF_CHECK" --pairs 'ARG X Y=2'
	assert_success
	assert_output $'<X>=(none)\n<Y>=<2>'
	run "$BF_CHECK" --pairs 'LABEL "a b"=c d=e\ f'
	assert_success
	assert_output $'<"a b">=<c>\n<d>=<e\\ f>'
}

@test "build parse: instructions, case, flags, exec and shell forms, continuations" {
	run "$BF_CHECK" "$REPO_ROOT/tests/fixtures/build/parse/forms"
	assert_success
	assert_output - <<'END'
escape \
1 ARG shell <BASE=busybox>
3 FROM shell <${BASE} AS base>
4 RUN shell <echo one     two>
8 RUN json <sh><-c><echo $HOME>
9 CMD shell <["not json">
10 ENTRYPOINT json <top>
11 COPY --from=base --chown=1:2 --chmod=0755 shell <a b /dst/>
12 ADD json <x y></z>
13 ENV shell <A=1 B=2>
14 WORKDIR shell <${A:-/w}>
15 USER shell <1000:1000>
16 LABEL shell <k=v>
17 EXPOSE shell <80/tcp 53/udp>
18 VOLUME json </v></w>
19 STOPSIGNAL shell <SIGINT>
20 SHELL json </bin/sh><-ec>
21 ONBUILD shell <RUN echo built on> -> RUN shell <echo built on>
22 MAINTAINER shell <someone>
23 FROM shell <scratch>
END
}

@test "build parse: # escape=\` directive, later directives are comments" {
	run "$BF_CHECK" "$REPO_ROOT/tests/fixtures/build/parse/escape"
	assert_success
	assert_output - <<'END'
escape `
5 FROM shell <busybox>
6 RUN shell <dir C:\ &&     echo  a>
8 COPY shell <C:\x\ /y>
END
}

# bad Containerfiles: ONE line naming the file and line
@test "build parse: bad Containerfiles are refused with the line number" {
	local d=$BATS_TEST_TMPDIR/bad n=0 f want
	mkdir -p "$d"
	while IFS=$'\t' read -r f want; do
		[ -n "$f" ] || continue
		n=$((n + 1))
		printf '%b' "$f" >"$d/Containerfile"
		run "$BF_CHECK" "$d/Containerfile"
		[ "$status" -eq 1 ] || { echo "case $n: [$f] rc=$status out=$output"; return 1; }
		[ "$output" = "$want" ] || { echo "case $n: [$f]: want [$want] got [$output]"; return 1; }
	done <<'END'
FROM x\nRUN ls\nFOO bar\n	Containerfile:3: unknown instruction FOO
FROM x\nRUN a \\\n b\n\nbogus\n	Containerfile:5: unknown instruction bogus
RUN ls\nFROM x\n	Containerfile:1: RUN before the first FROM
ARG A\n	Containerfile: no FROM instruction
\n# only a comment\n	Containerfile: no FROM instruction
FROM\n	Containerfile:1: FROM requires at least one argument
FROM a b\n	Containerfile:1: FROM takes IMAGE [AS NAME]
FROM x\nHEALTHCHECK --bogus=1 CMD true\n	Containerfile:2: unknown flag --bogus for HEALTHCHECK
FROM x\nHEALTHCHECK true\n	Containerfile:2: HEALTHCHECK takes CMD COMMAND or NONE
FROM x\nHEALTHCHECK CMD\n	Containerfile:2: HEALTHCHECK takes CMD COMMAND or NONE
FROM x\nHEALTHCHECK NONE x\n	Containerfile:2: HEALTHCHECK takes CMD COMMAND or NONE
FROM x\nRUN --mount=type=cache,target=/c ls\n	Containerfile:2: RUN --mount is not supported
FROM x\nRUN --bogus ls\n	Containerfile:2: unknown flag --bogus for RUN
FROM x\nCOPY --from=a\n	Containerfile:2: COPY requires at least one argument
FROM x\nCOPY onlyone\n	Containerfile:2: COPY requires at least two arguments
FROM x\nRUN <<EOF\necho\nEOF\n	Containerfile:2: heredocs (<<) are not supported
FROM x\nSHELL /bin/sh -c\n	Containerfile:2: SHELL requires the arguments in JSON form
FROM x\nENV A\n	Containerfile:2: ENV A needs a value (ENV KEY=VALUE or ENV KEY VALUE)
FROM x\nENV A=1 B\n	Containerfile:2: ENV: B is not of the form NAME=VALUE
FROM x\nLABEL =v\n	Containerfile:2: LABEL: =v is not of the form NAME=VALUE
FROM x\nWORKDIR /a /b\n	Containerfile:2: WORKDIR requires exactly one argument
FROM x\nONBUILD FROM y\n	Containerfile:2: ONBUILD FROM is not allowed
FROM x\nONBUILD ONBUILD RUN ls\n	Containerfile:2: ONBUILD ONBUILD is not allowed
# escape=x\nFROM x\n	Containerfile:1: invalid escape character x (\ or `)
# escape=`\n# escape=`\nFROM x\n	Containerfile:2: only one escape directive is allowed
END
	[ "$n" -gt 20 ]
}
